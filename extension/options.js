// The options page: the expectations profile, kept in storage.local (with the manual items'
// answers, the only things Flowlens writes to disk). The form's text goes to Rust as typed
// (profileFromForm), which makes the profile by the same rules as `flowlens check --profile`
// and names each problem; this page only shows them. Values are set on form controls as
// values, never as HTML.

import init, { profileForm, profileFromForm, sections } from './pkg/flowlens_popup.js';
import { hostAccess, onHostAccessChange, requestHostAccess } from './browser.js';
import { loadProfile, saveProfile } from './storage.js';

const form = document.getElementById('profile');
const saved = document.getElementById('saved');
const errorList = document.getElementById('profile-errors');
const TEXT_FIELDS = ['custom_domains', 'server_name', 'login_endpoint', 'redirect_uris',
  'colors.background', 'colors.primary_button'];

/** The form as typed, in the shape of flowlens_core::profile::ProfileForm. */
function readForm() {
  const field = (name) => form.elements.namedItem(name).value;
  return {
    custom_domains: field('custom_domains'),
    server_name: field('server_name'),
    login_endpoint: field('login_endpoint'),
    redirect_uris: field('redirect_uris'),
    colors: { background: field('colors.background'), primary_button: field('colors.primary_button') },
    skip_sections: [...form.querySelectorAll('input[name="skip_sections"]:checked')].map((box) => box.value),
  };
}

/** One checkbox per checklist section (ids and titles from the core), as text. */
function sectionBoxes() {
  const list = document.getElementById('skip-sections');
  for (const section of sections()) {
    const label = document.createElement('label');
    label.className = 'skip';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.name = 'skip_sections';
    box.value = section.id;
    label.append(box, ` ${section.title}`);
    list.append(label);
  }
}

function fillForm(fields) {
  const set = (name, value) => { form.elements.namedItem(name).value = value ?? ''; };
  set('custom_domains', fields.custom_domains);
  set('server_name', fields.server_name);
  set('login_endpoint', fields.login_endpoint);
  set('redirect_uris', fields.redirect_uris);
  set('colors.background', fields.colors.background);
  set('colors.primary_button', fields.colors.primary_button);
  const skipped = new Set(fields.skip_sections);
  for (const box of form.querySelectorAll('input[name="skip_sections"]')) box.checked = skipped.has(box.value);
}

/** Shows `[{field, message}]` (field `custom_domains[1]` marks the custom_domains control). */
function showErrors(errors) {
  errorList.replaceChildren(...errors.map(({ field, message }) => {
    const item = document.createElement('li');
    item.textContent = `${field}: ${message}`;
    return item;
  }));
  errorList.hidden = errors.length === 0;
  const bad = new Set(errors.map(({ field }) => field.replace(/\[\d+\]$/, '')));
  for (const name of TEXT_FIELDS) {
    const control = form.elements.namedItem(name);
    if (bad.has(name)) control.setAttribute('aria-invalid', 'true');
    else control.removeAttribute('aria-invalid');
  }
}

async function showAccess() {
  const granted = await hostAccess();
  document.getElementById('access-state').textContent = granted
    ? 'Flowlens can see requests on all sites (needed to follow a flow across your domains).'
    : 'Flowlens cannot see any request yet: grant access to all sites.';
  document.getElementById('grant').hidden = granted;
}

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const { profile, errors } = profileFromForm(readForm());
  showErrors(errors);
  if (!profile) {
    saved.textContent = 'Not saved: fix the fields above.';
    return;
  }
  await saveProfile(profile);
  fillForm(profileForm(profile)); // as Flowlens reads it (domains normalised)
  saved.textContent = 'Saved.';
  setTimeout(() => { saved.textContent = ''; }, 2000);
});
document.getElementById('grant').addEventListener('click', () => {
  requestHostAccess().then(showAccess);
});
onHostAccessChange(showAccess);

await init({ module_or_path: new URL('./pkg/flowlens_popup_bg.wasm', import.meta.url) });
sectionBoxes();
try {
  fillForm(profileForm(await loadProfile()));
} catch (error) {
  fillForm(profileForm(null));
  showErrors([{ field: 'saved profile', message: `could not be read (${error?.message ?? error}); save it again` }]);
}
await showAccess();
document.body.dataset.ready = 'true';
