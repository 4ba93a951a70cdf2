// Routing in the URL's fragment (`#/system/security-roles/3`), shared with the console UI.
export { href, navigate, useRoute } from '../../shared/router.js';
