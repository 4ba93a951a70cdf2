// Routing in the URL's fragment, shared with the PSA UI (`#/customers/3`: the server serves one
// page, and a reload or a shared link opens the same screen after sign-in).
export { href, navigate, useRoute } from '../../psa/src/router.js';
