/** What the config layer needs from the world; injected so the layer itself does no I/O. */
export interface ConfigDependencies {
  /** The file's text; throws when it cannot be read. Relative paths are the caller's business (the workspace). */
  readFile(path: string): string;
  /** The commit under test (GITHUB_SHA), from which the default revision-suffix is taken. */
  readonly commitSha?: string;
}
