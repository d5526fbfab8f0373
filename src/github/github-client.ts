import { getOctokit } from '@actions/github';

export type GitHubClient = ReturnType<typeof getOctokit>;

/**
 * An authenticated REST client. The base URL is read when called (not when @actions/github was first
 * imported), from GITHUB_API_URL, so GHES and a local fake API both work.
 */
export function createGitHubClient(
  token: string,
  baseUrl = process.env.GITHUB_API_URL || 'https://api.github.com',
): GitHubClient {
  return getOctokit(token, { baseUrl });
}
