// Routing in the URL's fragment (`#/customers/3`), shared with the PSA UI: the server serves one
// page, and a reload or a shared link opens the same screen after sign-in.
export { href, navigate, useRoute } from '../../shared/router.js';
