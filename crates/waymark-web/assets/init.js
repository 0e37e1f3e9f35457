// Waymark: initialise GOV.UK Frontend components.
// Loaded as <script type="module" src="/assets/init.js"></script> because the
// app's CSP (script-src 'self') forbids the inline snippet that GOV.UK
// Frontend's page template normally uses. Modules are deferred, so
// document.body exists here. Only browsers that support ES modules run this,
// which is exactly GOV.UK Frontend's "supported" condition.
import { initAll } from '/assets/govuk-frontend.min.js';

document.body.classList.add('js-enabled', 'govuk-frontend-supported');
initAll();
