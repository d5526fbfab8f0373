/**
 * A target's base URL split for a connection pool: the origin to connect to, and the path prefix (without a
 * trailing `/`) that goes before every request's own path, so `http://host:8080/api` + `/items` → `/api/items`.
 */
export function splitBaseUrl(url: string): { readonly origin: string; readonly prefix: string } {
  const parsed = new URL(url);
  return { origin: parsed.origin, prefix: parsed.pathname.replace(/\/+$/, '') };
}
