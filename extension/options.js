// The options page: the expectations profile (the fields of flowlens_core::Profile), kept in
// storage.local (with the manual items' answers, the only things Flowlens writes to disk). Values are set on form controls as
// values, never as HTML.

import init, { sections } from './pkg/flowlens_popup.js';
import { hostAccess, onHostAccessChange, requestHostAccess } from './browser.js';
import { loadProfile, saveProfile } from './storage.js';

const form = document.getElementById('profile');
const saved = document.getElementById('saved');

const lines = (text) => text.split('\n').map((line) => line.trim()).filter(Boolean);
const optional = (text) => (text.trim() === '' ? null : text.trim());

function readForm() {
  const field = (name) => form.elements.namedItem(name).value;
  return {
    custom_domains: lines(field('custom_domains')).map((d) => d.replace(/^https?:\/\//, '').replace(/\/.*$/, '')),
    server_name: optional(field('server_name')),
    login_endpoint: optional(field('login_endpoint')),
    redirect_uris: lines(field('redirect_uris')),
    colors: {
      background: optional(field('colors.background')),
      primary_button: optional(field('colors.primary_button')),
    },
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

function fillForm(profile) {
  const set = (name, value) => { form.elements.namedItem(name).value = value ?? ''; };
  set('custom_domains', (profile?.custom_domains ?? []).join('\n'));
  set('server_name', profile?.server_name);
  set('login_endpoint', profile?.login_endpoint);
  set('redirect_uris', (profile?.redirect_uris ?? []).join('\n'));
  set('colors.background', profile?.colors?.background);
  set('colors.primary_button', profile?.colors?.primary_button);
  const skipped = new Set(profile?.skip_sections ?? []);
  for (const box of form.querySelectorAll('input[name="skip_sections"]')) box.checked = skipped.has(box.value);
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
  await saveProfile(readForm());
  saved.textContent = 'Saved.';
  setTimeout(() => { saved.textContent = ''; }, 2000);
});
document.getElementById('grant').addEventListener('click', () => {
  requestHostAccess().then(showAccess);
});
onHostAccessChange(showAccess);

await init({ module_or_path: new URL('./pkg/flowlens_popup_bg.wasm', import.meta.url) });
sectionBoxes();
fillForm(await loadProfile());
await showAccess();
document.body.dataset.ready = 'true';
