// Link headers (RFC 5988) as ConnectWise emits them, shaped so every known client parses them:
// `page=N` is the last query parameter (pyconnectwise's regex), `next` never appears on the last
// page (it would loop), and `last` ends the header only when more pages follow.

function baseQuery(originalQuery: string, drop: string[]): string {
  const params = new URLSearchParams(originalQuery);
  for (const d of drop) for (const key of [...params.keys()]) if (key.toLowerCase() === d) params.delete(key);
  const rest = params.toString();
  return rest ? `${rest}&` : '';
}

export function navigableLink(
  url: string,
  query: string,
  page: number,
  pageSize: number,
  total: number,
): string | undefined {
  const lastPage = Math.max(1, Math.ceil(total / pageSize));
  if (lastPage <= 1 && page <= 1) return undefined;
  const prefix = `${url}?${baseQuery(query, ['page', 'pagesize', 'pageid'])}pageSize=${pageSize}&page=`;
  const link = (n: number, rel: string) => `<${prefix}${n}>; rel="${rel}"`;
  const parts: string[] = [];
  if (page > 1) {
    parts.push(link(1, 'first'));
    parts.push(link(Math.min(page - 1, lastPage), 'prev'));
  }
  if (page < lastPage) {
    parts.push(link(page + 1, 'next'));
    parts.push(link(lastPage, 'last'));
  }
  return parts.join(', ');
}

/** Forward-only paging: one `next` link carrying the last id returned, or an empty header at the end. */
export function forwardOnlyLink(
  url: string,
  query: string,
  pageSize: number,
  nextPageId: number | undefined,
): string {
  if (nextPageId === undefined) return '';
  return `<${url}?${baseQuery(query, ['page', 'pagesize', 'pageid'])}pageSize=${pageSize}&pageId=${nextPageId}>; rel="next"`;
}
