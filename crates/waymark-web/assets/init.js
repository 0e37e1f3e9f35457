// Waymark: initialise GOV.UK Frontend components.
// Loaded as <script type="module" src="/assets/init.js"></script> because the
// app's CSP (script-src 'self') forbids the inline snippet that GOV.UK
// Frontend's page template normally uses. Modules are deferred, so
// document.body exists here. Only browsers that support ES modules run this,
// which is exactly GOV.UK Frontend's "supported" condition.
import { initAll } from '/assets/govuk-frontend.min.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');
initAll();

// htmx (forms marked hx-post save without reloading the page) is configured in the layout's
// htmx-config meta tag: no inline styles or eval, so the CSP holds. A response it does not swap
// (an expired form, a server error) falls back to sending the form the ordinary way, so the
// person sees the service's own page for it.
document.body.addEventListener('htmx:responseError', (event) => {
  const form = event.detail.elt;
  if (form instanceof HTMLFormElement) form.submit();
});
