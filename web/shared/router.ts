// Routing in the URL's fragment (`#/system/security-roles/3`, `#/customers/3`), for both UIs: the
// server serves one page, and a reload or a shared link opens the same screen (after sign-in).
import { useEffect, useState } from 'react';

function current(): string[] {
  return window.location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
}

export function useRoute(): string[] {
  const [parts, setParts] = useState(current);
  useEffect(() => {
    const update = () => setParts(current());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return parts;
}

export function href(...parts: Array<string | number>): string {
  return `#/${parts.map((p) => encodeURIComponent(String(p))).join('/')}`;
}

export function navigate(...parts: Array<string | number>): void {
  window.location.hash = href(...parts);
}
