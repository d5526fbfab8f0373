/**
 * The hidden first line that lets a later run find its own PR comment. The name is reduced to a safe
 * alphabet so it can never close the HTML comment (`-->`) or differ by invisible characters.
 */
export function experimentMarker(experimentName: string): string {
  const safeName = experimentName.replace(/[^A-Za-z0-9._/-]/g, '_').replace(/-{2,}/g, '-');
  return `<!-- shadowgate:experiment=${safeName} -->`;
}
