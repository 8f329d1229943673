/* The acceptance console's page: one script, no library. Every text comes from the message
 * catalogue (/api/i18n), every change carries the session's CSRF token. */
'use strict';

const S = { lang: 'zh-CN', cat: {}, me: null, source: null };

function t(key, vars) {
  let s = Object.prototype.hasOwnProperty.call(S.cat, key) ? S.cat[key] : key;
  if (vars) for (const k of Object.keys(vars)) s = s.split('{' + k + '}').join(String(vars[k]));
  return s;
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat()) if (k !== null && k !== undefined) e.append(k);
  return e;
}

const SVG = 'http://www.w3.org/2000/svg';
function sv(tag, attrs, ...kids) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'text') e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids.flat()) if (k) e.append(k);
  return e;
}

async function api(method, path, body, raw) {
  const opt = { method, credentials: 'same-origin', headers: {} };
  if (S.me && method !== 'GET') opt.headers['X-CSRF-Token'] = S.me.csrf;
  if (raw) { opt.body = raw; opt.headers['Content-Type'] = 'application/gzip'; }
  else if (body !== undefined) { opt.body = JSON.stringify(body); opt.headers['Content-Type'] = 'application/json'; }
  const r = await fetch(path, opt);
  let data = null;
  try { data = await r.json(); } catch (e) { data = null; }
  return { status: r.status, data };
}

function errorText(res) {
  const key = res && res.data && res.data.error ? res.data.error : 'err.internal';
  const detail = res && res.data && res.data.detail ? ' (' + res.data.detail + ')' : '';
  return t(key) + detail;
}

function main(...kids) {
  const m = document.getElementById('main');
  m.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined));
}

function badge(status) {
  return el('span', { class: 'badge st-' + status, 'data-status': status, text: t('status.' + status) });
}

async function loadCatalogue(lang) {
  const r = await api('GET', '/api/i18n?lang=' + encodeURIComponent(lang));
  if (r.status !== 200) return;
  S.lang = lang;
  S.cat = r.data;
  document.documentElement.lang = lang;
  document.title = t('app.title');
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  document.getElementById('lang').value = lang;
}

/* ---------- login ---------- */

function renderLogin(message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('logout').hidden = true;
  document.getElementById('who').textContent = '';
  const msg = el('p', { class: 'error', id: 'login-error', text: message || '' });
  const user = el('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true });
  const pass = el('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = el('form', { id: 'login', class: 'card narrow', onsubmit: async (ev) => {
    ev.preventDefault();
    const r = await api('POST', '/api/login', { user: user.value, password: pass.value });
    if (r.status !== 200) { msg.textContent = errorText(r); return; }
    S.me = r.data;
    startApp();
  } },
  el('h1', { text: t('login.title') }),
  el('label', {}, el('span', { text: t('login.user') }), user),
  el('label', {}, el('span', { text: t('login.password') }), pass),
  el('button', { type: 'submit', id: 'login-submit', text: t('login.submit') }), msg);
  main(form);
}

function startApp() {
  document.getElementById('nav').hidden = false;
  document.getElementById('logout').hidden = false;
  document.getElementById('nav-keys').hidden = S.me.role !== 'admin';
  document.getElementById('who').textContent = t(S.me.region ? 'who.province' : 'who', {
    user: S.me.user, role: t('role.' + S.me.role), region: S.me.region });
  if (!location.hash || location.hash === '#/') location.hash = '#/board';
  else route();
}

/* ---------- rollout board ---------- */

function timeline(units, today) {
  const days = (d) => Date.parse(d + 'T00:00:00Z') / 86400000;
  const all = units.flatMap((u) => [days(u.apply_by), days(u.batch_date)]).concat([days(today)]);
  const lo = Math.min(...all) - 10, hi = Math.max(...all) + 10;
  const W = 900, L = 120, row = 16, H = units.length * row + 40;
  const x = (d) => L + (d - lo) / (hi - lo) * (W - L - 10);
  const g = sv('svg', { width: W, height: H, viewBox: `0 0 ${W} ${H}`, id: 'timeline', role: 'img' },
    sv('title', { text: t('board.timeline') }));
  units.forEach((u, i) => {
    const y = 20 + i * row;
    g.append(sv('text', { x: 4, y: y + 4, class: 'tl-label', text: u.name }));
    g.append(sv('line', { x1: x(days(u.apply_by)), x2: x(days(u.batch_date)), y1: y, y2: y, class: 'tl-span' }));
    g.append(sv('circle', { cx: x(days(u.apply_by)), cy: y, r: 5, class: 'tl-dot st-' + u.status },
      sv('title', { text: `${u.name}: ${t('board.apply_by')} ${u.apply_by}, ${t('status.' + u.status)}` })));
    g.append(sv('rect', { x: x(days(u.batch_date)) - 4, y: y - 4, width: 8, height: 8, class: 'tl-batch' }));
  });
  const tx = x(days(today));
  g.append(sv('line', { x1: tx, x2: tx, y1: 8, y2: H - 14, class: 'tl-today' }));
  g.append(sv('text', { x: tx + 3, y: H - 4, class: 'tl-label', text: t('board.today') + ' ' + today }));
  return g;
}

async function renderBoard() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const batch = params.get('batch') || '', status = params.get('status') || '';
  const r = await api('GET', `/api/board?batch=${encodeURIComponent(batch)}&status=${encodeURIComponent(status)}`);
  if (r.status !== 200) return main(el('p', { class: 'error', text: errorText(r) }));
  const go = () => { location.hash = `#/board?batch=${fb.value}&status=${fs.value}`; };
  const fb = el('select', { id: 'filter-batch', onchange: go },
    el('option', { value: '', text: t('board.all_batches') }),
    [1, 2, 3].map((b) => el('option', { value: String(b), selected: String(b) === batch, text: t('board.batch_n', { n: b }) })));
  const fs = el('select', { id: 'filter-status', onchange: go },
    el('option', { value: '', text: t('board.all_status') }),
    ['verified', 'invalid', 'not-certifiable', 'missing'].map((s) =>
      el('option', { value: s, selected: s === status, text: t('status.' + s) })));
  const units = r.data.units;
  const rows = units.map((u) => el('tr', { 'data-unit': u.code },
    el('td', { text: t('board.batch_n', { n: u.batch }) }),
    el('td', { text: u.code }), el('td', { text: u.name }),
    el('td', { text: u.batch_date }), el('td', { text: u.apply_by }),
    el('td', { class: u.days_left < 0 ? 'late' : '', text: u.days_left < 0 ? t('board.passed', { n: -u.days_left }) : t('board.days', { n: u.days_left }) }),
    el('td', {}, badge(u.status), u.submission ? el('a', { href: '#/submission/' + u.submission.id, text: ' #' + u.submission.id }) : null),
    el('td', { text: u.submission && u.submission.decision ? t('decision.' + u.submission.decision) : '' })));
  main(el('h1', { text: t('board.title') }),
    el('p', { class: 'hint', text: t('board.hint', { today: r.data.today }) }),
    el('div', { class: 'filters' }, el('label', {}, t('board.filter_batch'), fb), el('label', {}, t('board.filter_status'), fs)),
    el('table', { id: 'board' }, el('thead', {}, el('tr', {},
      ['board.batch', 'board.code', 'board.name', 'board.batch_date', 'board.apply_by', 'board.days_left', 'board.status', 'board.decision']
        .map((k) => el('th', { text: t(k) })))), el('tbody', {}, rows)),
    units.length ? el('div', { class: 'card' }, el('h2', { text: t('board.timeline') }), timeline(units, r.data.today)) : el('p', { text: t('board.none') }));
}

/* ---------- submissions ---------- */

async function renderSubmissions() {
  const r = await api('GET', '/api/submissions');
  if (r.status !== 200) return main(el('p', { class: 'error', text: errorText(r) }));
  const msg = el('p', { id: 'upload-result' });
  const file = el('input', { type: 'file', id: 'upload-file', accept: '.tar.gz,.tgz,application/gzip' });
  const region = el('input', { id: 'upload-region', value: S.me.region || '', size: 8, pattern: '[0-9]{6}' });
  const canUpload = S.me.role === 'province' || S.me.role === 'admin';
  const form = el('form', { class: 'card', id: 'upload', onsubmit: async (ev) => {
    ev.preventDefault();
    if (!file.files.length) { msg.textContent = t('sub.choose_file'); return; }
    const body = await file.files[0].arrayBuffer();
    const res = await api('POST', '/api/submissions?region=' + encodeURIComponent(region.value), undefined, body);
    if (res.status !== 201) { msg.className = 'error'; msg.textContent = errorText(res); return; }
    location.hash = '#/submission/' + res.data.id;
  } }, el('h2', { text: t('sub.upload') }), el('p', { class: 'hint', text: t('sub.upload_hint') }),
  S.me.role === 'admin' ? el('label', {}, t('sub.region'), region) : null,
  el('label', {}, t('sub.file'), file), el('button', { type: 'submit', id: 'upload-submit', text: t('sub.send') }), msg);
  const rows = r.data.map((s) => el('tr', { 'data-id': s.id },
    el('td', {}, el('a', { href: '#/submission/' + s.id, text: '#' + s.id })),
    el('td', { text: s.region }), el('td', { text: s.user }), el('td', { text: s.at }),
    el('td', {}, badge(s.verdict)), el('td', { text: s.decision ? t('decision.' + s.decision) : t('decision.pending') })));
  main(el('h1', { text: t('sub.title') }), canUpload ? form : null,
    el('table', { id: 'submissions' }, el('thead', {}, el('tr', {},
      ['sub.id', 'sub.region', 'sub.user', 'sub.at', 'sub.verdict', 'sub.decision'].map((k) => el('th', { text: t(k) })))),
    el('tbody', {}, rows)), r.data.length ? null : el('p', { text: t('sub.none') }));
}

async function renderSubmission(id) {
  const r = await api('GET', '/api/submissions/' + id);
  if (r.status !== 200) return main(el('h1', { text: t('sub.title') }), el('p', { class: 'error', id: 'not-found', text: errorText(r) }));
  const s = r.data;
  const dl = (k, v) => [el('dt', { text: t(k) }), el('dd', { text: v === null || v === undefined || v === '' ? '—' : String(v) })];
  const msg = el('p', { id: 'decide-result' });
  const comment = el('textarea', { id: 'decide-comment', rows: 3, cols: 60 });
  const decide = async (decision) => {
    const res = await api('POST', `/api/submissions/${id}/decision`, { decision, comment: comment.value });
    if (res.status !== 200) { msg.className = 'error'; msg.textContent = errorText(res); return; }
    renderSubmission(id);
  };
  const canDecide = (S.me.role === 'admin' || S.me.role === 'tester') && !s.decision;
  main(el('h1', { text: t('sub.one', { id: s.id }) }),
    el('p', {}, badge(s.verdict)),
    el('dl', { class: 'card', id: 'submission' },
      dl('sub.region', s.region), dl('sub.user', s.user), dl('sub.at', s.at), dl('sub.size', s.size),
      dl('sub.sha256', s.sha256), dl('sub.sut', s.sut_name), dl('sub.started', s.started), dl('sub.finished', s.finished),
      dl('sub.failing', s.failing), dl('sub.key', s.key_fingerprint),
      dl('sub.decision', s.decision ? t('decision.' + s.decision) : t('decision.pending')),
      dl('sub.decided_by', s.decided_by), dl('sub.comment', s.comment)),
    s.problems ? el('div', { class: 'card' }, el('h2', { text: t('sub.problems') }), el('pre', { id: 'problems', text: s.problems })) : null,
    canDecide ? el('div', { class: 'card', id: 'decide' }, el('h2', { text: t('sub.decide') }),
      el('label', {}, t('sub.comment'), comment),
      el('button', { id: 'decide-accept', onclick: () => decide('accept'), text: t('sub.accept') }),
      el('button', { id: 'decide-return', class: 'secondary', onclick: () => decide('return'), text: t('sub.return') }), msg) : null);
}

/* ---------- runs ---------- */

/* ---------- PICS and PIXIT as forms ---------- */

/* A PICS or PIXIT text as {"section.key": value}, as the kit's key = value reader reads it. */
function parseKv(text) {
  const out = {};
  let sec = '';
  for (const raw of (text || '').split('\n')) {
    const line = raw.replace(/(^|\s)[#;].*$/, '').trim();
    if (!line) continue;
    const m = line.match(/^\[([^\]]+)\]$/);
    if (m) { sec = m[1].trim().toLowerCase(); continue; }
    const eq = line.indexOf('=');
    if (eq > 0) out[(sec ? sec + '.' : '') + line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  return out;
}

/* One form for the fields the runner knows (GET /api/runs/form), grouped by section, each
 * labelled from the catalogue (pics.item.KEY, pixit.param.KEY): a checkbox for a yes/no item,
 * a choice, or a field. text() writes what the form holds as the file ctk run reads. */
function kvForm(kind, fields, text) {
  const inputs = {};
  const sections = new Map();
  for (const f of fields) {
    const sec = f.key.split('.')[0];
    let input;
    if (f.type === 'bool') input = el('input', { type: 'checkbox', 'data-key': f.key });
    else if (f.type === 'choice') input = el('select', { 'data-key': f.key }, el('option', { value: '', text: t('sut.unset') }), f.choices.split('|').map((c) => el('option', { value: c, text: c })));
    else input = el('input', { type: 'text', size: f.type === 'number' ? 10 : 40, inputmode: f.type === 'number' ? 'decimal' : null, 'data-key': f.key });
    const error = el('span', { class: 'field-error' });
    const label = t((kind === 'pics' ? 'pics.item.' : 'pixit.param.') + f.key);
    const row = el('div', { class: 'field field-' + f.type, 'data-field': f.key },
      f.type === 'bool' ? el('label', {}, input, ' ' + label) : el('label', {}, el('span', { text: label }), input),
      el('code', { class: 'field-key', text: f.key }), error);
    inputs[f.key] = { f, input, error, row };
    if (!sections.has(sec)) sections.set(sec, []);
    sections.get(sec).push(row);
  }
  const node = el('div', { class: 'kv-form', id: kind + '-form' },
    [...sections].map(([sec, rows]) => el('fieldset', {}, el('legend', { text: t('sut.section', { section: sec }) }), rows)));
  const form = {
    node,
    fill(txt) {
      const v = parseKv(txt);
      for (const [k, x] of Object.entries(inputs)) {
        if (x.f.type === 'bool') x.input.checked = /^(yes|true|1|on)$/i.test(v[k] || '');
        else x.input.value = v[k] || '';
      }
    },
    text() {
      const bySec = new Map();
      for (const [k, x] of Object.entries(inputs)) {
        const val = x.f.type === 'bool' ? (x.input.checked ? 'yes' : 'no') : x.input.value.trim();
        if (!val) continue;
        const dot = k.indexOf('.');
        const sec = k.slice(0, dot);
        if (!bySec.has(sec)) bySec.set(sec, []);
        bySec.get(sec).push(`${k.slice(dot + 1)} = ${val}`);
      }
      return [...bySec].map(([sec, lines]) => `[${sec}]\n${lines.join('\n')}\n`).join('\n');
    },
    clearErrors() { for (const x of Object.values(inputs)) { x.error.textContent = ''; x.row.classList.remove('invalid'); } },
    showError(key, what) {
      const x = inputs[key];
      if (!x) return;
      x.error.textContent = what;
      x.row.classList.add('invalid');
      x.input.focus();
    },
  };
  form.fill(text);
  return form;
}

async function renderRuns() {
  const [r, f, su, tpl, fm] = await Promise.all([api('GET', '/api/runs'), api('GET', '/api/runs/faults'),
    api('GET', '/api/runs/suts'), api('GET', '/api/runs/template'), api('GET', '/api/runs/form')]);
  if (r.status !== 200) return main(el('p', { class: 'error', text: errorText(r) }));
  const suts = su.data || [];
  const fault = el('select', { id: 'run-fault' }, el('option', { value: '', text: t('run.no_fault') }),
    (f.data || []).map((n) => el('option', { value: n, text: n })));
  const system = el('select', { id: 'run-sut' }, el('option', { value: '', text: t('run.self_test') }),
    suts.map((x) => el('option', { value: String(x.id), text: `${x.name} (${x.region})` })));
  const select = el('input', { id: 'run-select', size: 30, placeholder: 'part:1' });
  const msg = el('p', { id: 'run-result' });
  const form = el('form', { class: 'card', id: 'run-start', onsubmit: async (ev) => {
    ev.preventDefault();
    const res = await api('POST', '/api/runs', { sut_id: Number(system.value || 0), fault: fault.value, select: select.value });
    if (res.status !== 201) { msg.className = 'error'; msg.textContent = errorText(res); return; }
    location.hash = '#/run/' + res.data.id;
  } }, el('h2', { text: t('run.start') }), el('p', { class: 'hint', text: t('run.hint') }),
  el('label', {}, t('run.system'), system),
  el('label', {}, t('run.fault'), fault), el('label', {}, t('run.select'), select),
  el('button', { type: 'submit', id: 'run-submit', text: t('run.go') }), msg);
  const name = el('input', { id: 'sut-name', size: 24 });
  const spec = (fm.data) || { pics: [], pixit: [] };
  const pics = kvForm('pics', spec.pics, (tpl.data && tpl.data.pics) || '');
  const pixit = kvForm('pixit', spec.pixit, (tpl.data && tpl.data.pixit) || '');
  const picsText = el('textarea', { id: 'sut-pics', rows: 8, cols: 90, spellcheck: 'false' });
  const pixitText = el('textarea', { id: 'sut-pixit', rows: 12, cols: 90, spellcheck: 'false' });
  /* "edit as text": the texts are the truth while it is open, the form again once closed */
  const asText = el('details', { id: 'sut-as-text', ontoggle: () => {
    if (asText.open) { picsText.value = pics.text(); pixitText.value = pixit.text(); } else { pics.fill(picsText.value); pixit.fill(pixitText.value); }
  } }, el('summary', { text: t('sut.as_text') }),
  el('label', {}, el('span', { text: t('sut.pics') }), picsText), el('label', {}, el('span', { text: t('sut.pixit') }), pixitText));
  const smsg = el('p', { id: 'sut-result' });
  const register = el('form', { class: 'card', id: 'sut-form', onsubmit: async (ev) => {
    ev.preventDefault();
    pics.clearErrors(); pixit.clearErrors();
    const body = asText.open ? { name: name.value, pics: picsText.value, pixit: pixitText.value } : { name: name.value, pics: pics.text(), pixit: pixit.text() };
    const res = await api('POST', '/api/runs/suts', body);
    if (res.status !== 201) {
      smsg.className = 'error'; smsg.textContent = errorText(res);
      const which = res.data && res.data.error === 'err.pics' ? pics : pixit;
      if (res.data && res.data.field && !asText.open) which.showError(res.data.field, res.data.detail || t(res.data.error));
      return;
    }
    renderRuns();
  } }, el('h2', { text: t('sut.title') }), el('p', { class: 'hint', text: t('sut.hint') }),
  el('table', { id: 'suts' }, el('thead', {}, el('tr', {}, ['sut.name', 'sub.region', 'sut.role', 'sut.updated'].map((k) => el('th', { text: t(k) })))),
    el('tbody', {}, suts.map((x) => el('tr', {}, [x.name, x.region, x.role, x.updated].map((v) => el('td', { text: v })))))),
  el('label', {}, t('sut.name'), name),
  el('h3', { text: t('sut.form_pics') }), pics.node, el('h3', { text: t('sut.form_pixit') }), pixit.node, asText,
  el('button', { type: 'submit', id: 'sut-submit', text: t('sut.save') }), smsg);
  const rows = r.data.map((x) => el('tr', {},
    el('td', {}, el('a', { href: '#/run/' + x.id, text: '#' + x.id })), el('td', { text: x.region }),
    el('td', { text: x.user }), el('td', { text: x.sut }), el('td', { text: x.fault || '-' }), el('td', { text: x.started }),
    el('td', {}, badge(x.status)), el('td', { text: x.summary || '' })));
  main(el('h1', { text: t('run.title') }), form,
    el('table', { id: 'runs' }, el('thead', {}, el('tr', {},
      ['run.id', 'sub.region', 'sub.user', 'run.system', 'run.fault', 'run.started', 'run.status', 'run.summary'].map((k) => el('th', { text: t(k) })))),
    el('tbody', {}, rows)), register);
}

/* A message one element a line, indented, so a person can read it. */
function prettyXml(raw) {
  if (!raw || raw.trim()[0] !== '<') return raw || '';
  let depth = 0;
  return raw.replace(/>\s*</g, '>\n<').split('\n').map((line) => {
    if (/^<\//.test(line)) depth--;
    const out = '  '.repeat(Math.max(depth, 0)) + line;
    if (/^<[^?!/][^>]*[^/]>$/.test(line) || /^<[^?!/]>$/.test(line)) depth++;
    return out;
  }).join('\n');
}

/* What a failure names: the element of its "where" path, the result code it got. */
function marksOf(test) {
  const why = test.reason || '', marks = [];
  const where = why.match(/where "([^"]+)"/);
  if (where && where[1]) {
    const steps = where[1].split('/').filter(Boolean).map((x) => x.replace(/\[.*$/, '').replace(/^@/, '').replace(/^.*:/, ''));
    const leaf = steps.pop();
    /* only in a message that has the whole path: the failing request, not every one */
    if (leaf) marks.push({ dir: 'out', text: '<' + leaf + '>', within: steps.map((x) => '<' + x) });
  }
  const got = why.match(/got (\d{4})\b/);
  if (got) marks.push({ dir: 'in', text: '>' + got[1] + '<' });
  return marks;
}

/* An exchange pretty-printed, the lines holding what the failure names marked. */
function exchangeView(x, marks) {
  const lines = prettyXml(x.raw).split('\n');
  return el('div', { class: 'exchange' },
    el('div', { class: 'x-head', text: `${t('run.dir_' + x.direction)} · ${x.interface || ''} · HTTP ${x.http_status || '—'} · ${x.result_code || ''}` }),
    el('pre', {}, lines.map((l) => {
      const hit = marks.some((m) => m.dir === x.direction && l.includes(m.text) &&
        (m.within || []).every((w) => (x.raw || '').includes(w)));
      return el('span', { class: hit ? 'mark' : '', text: l + '\n' });
    })));
}

async function renderRun(id) {
  const r = await api('GET', '/api/runs/' + id);
  if (r.status !== 200) return main(el('p', { class: 'error', text: errorText(r) }));
  const run = r.data;
  const list = el('ol', { id: 'progress' }, (run.progress || []).map((p) => el('li', {}, badge(p.verdict), ' ' + p.id)));
  const bar = el('progress', { id: 'progress-bar', max: 1, value: 0 });
  const count = el('span', { id: 'progress-count' });
  const show = (p) => { bar.max = p.total; bar.value = p.n; count.textContent = t('run.n_of', { n: p.n, total: p.total }); };
  if (run.progress && run.progress.length) show(run.progress[run.progress.length - 1]);
  const cancel = el('button', { id: 'run-cancel', class: 'secondary', onclick: async () => {
    const res = await api('POST', `/api/runs/${id}/cancel`);
    if (res.status !== 202) alert(errorText(res));
  }, text: t('run.cancel') });
  const tests = (run.tests || []).map((x) => {
    const marks = x.verdict === 'fail' ? marksOf(x) : [];
    return el('details', { class: 'test v-' + x.verdict, 'data-test': x.id },
      el('summary', {}, badge(x.verdict), ' ', el('b', { text: x.id }), ' ', x.name || ''),
      el('ul', { class: 'reqs' }, (x.requirement_texts || (x.requirements || []).map((id) => ({ id, text: '' })))
        .map((q) => el('li', {}, el('span', { class: 'req-id', text: q.id }), ' ', q.text))),
      x.reason ? el('p', { class: 'reason', text: t('run.reason') + ': ' + x.reason }) : null,
      (x.exchanges || []).map((e) => exchangeView(e, marks)));
  });
  const cmp = run.compare || {};
  main(el('h1', { text: t('run.one', { id: run.id }) }),
    el('p', {}, badge(run.status), ' ', run.fault ? t('run.with_fault', { fault: run.fault }) : '', ' ', el('span', { id: 'run-summary', text: run.summary || '' })),
    el('div', { class: 'card' }, bar, ' ', count, run.status === 'running' ? cancel : null, list),
    run.tests ? el('div', { class: 'card', id: 'compare' }, el('h2', { text: t('run.compare', { prev: cmp.previous ? '#' + cmp.previous : '—' }) }),
      el('p', { id: 'newly-failing', text: t('run.newly_failing') + ': ' + ((cmp.newly_failing || []).join(', ') || '—') }),
      el('p', { id: 'fixed', text: t('run.fixed') + ': ' + ((cmp.fixed || []).join(', ') || '—') })) : null,
    run.tests ? el('div', { class: 'card', id: 'tests' }, el('h2', { text: t('run.results') }), tests) : null);
  if (run.status === 'running') {
    if (S.source) S.source.close();
    /* one stream, held open by the console: a "test" event per finished test, then "end" */
    const src = new EventSource(`/api/runs/${id}/events?from=${(run.progress || []).length}`);
    S.source = src;
    src.addEventListener('test', (ev) => {
      const p = JSON.parse(ev.data);
      list.append(el('li', { 'data-event': ev.lastEventId }, badge(p.verdict), ' ' + p.id));
      show(p);
    });
    src.addEventListener('end', () => { src.close(); S.source = null; if (location.hash === '#/run/' + id) renderRun(id); });
    /* refused (too many streams) or gone: read the run again a little later */
    src.onerror = () => {
      if (src.readyState !== EventSource.CLOSED) return; /* the browser asks again by itself */
      S.source = null;
      setTimeout(() => { if (location.hash === '#/run/' + id) renderRun(id); }, 2000);
    };
  }
}

/* ---------- requirements ---------- */

/* The provinces an account may choose: its own, or (the centre) every unit of the board. */
async function provinceChoice(id, selected, onchange) {
  if (S.me.region) return el('span', { id, 'data-region': S.me.region, text: S.me.region });
  const b = await api('GET', '/api/board');
  const units = b.status === 200 ? b.data.units : [];
  return el('select', { id, onchange }, el('option', { value: '', text: t('prov.choose') }),
    units.map((u) => el('option', { value: u.code, selected: u.code === selected, text: `${u.name} (${u.code})` })));
}

async function renderRequirements() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const region = params.get('region') || S.me.region || '';
  const r = await api('GET', '/api/requirements');
  if (r.status !== 200) return main(el('p', { class: 'error', text: errorText(r) }));
  const d = r.data;
  let met = null;
  if (region) {
    const p = await api('GET', '/api/requirements/province?region=' + encodeURIComponent(region));
    if (p.status !== 200) return main(el('p', { class: 'error', id: 'req-error', text: errorText(p) }));
    met = {};
    for (const q of p.data.requirements) met[q.id] = q.status;
    met.$run = p.data.run;
  }
  const pick = await provinceChoice('req-province', region, (ev) => { location.hash = '#/requirements?region=' + ev.target.value; });
  const runText = !met ? t('req.pick_province')
    : met.$run ? t('req.latest_run', { id: met.$run.id, started: met.$run.started, status: t('status.' + met.$run.status) })
      : t('req.no_run');
  main(el('h1', { text: t('req.title') }),
    el('p', { class: 'hint', id: 'req-summary', text: t('req.summary', { profile: d.profile, provenance: d.provenance, tested: d.tested, reason: d.by_reason, missing: d.missing }) }),
    el('p', { class: 'filters' }, el('label', {}, t('prov.label'), ' ', pick), ' ', el('span', { id: 'req-run', text: runText })),
    el('table', { id: 'requirements' }, el('thead', {}, el('tr', {},
      ['req.id', 'req.part', 'req.strength', 'req.text', 'req.tests'].concat(met ? ['req.met'] : []).map((k) => el('th', { text: t(k) })))),
    el('tbody', {}, d.requirements.map((q) => el('tr', { 'data-req': q.id, class: q.tests ? '' : (q.reason ? 'untested' : 'late') },
      el('td', { class: 'mono', text: q.id }), el('td', { text: String(q.part) }), el('td', { text: q.strength }),
      el('td', { text: q.text }),
      el('td', { class: q.tests ? 'mono' : '', text: q.tests || (q.reason ? t('req.not_tested', { reason: q.reason }) : t('req.missing')) }),
      met ? el('td', { class: 'req-met' }, badge(met[q.id] || 'not_run')) : null)))));
}

/* ---------- monthly report ---------- */

async function renderMonthly() {
  const params = new URLSearchParams(location.hash.split('?')[1] || '');
  const region = params.get('region') || S.me.region || '';
  const b = await api('GET', '/api/board');
  const today = b.status === 200 ? b.data.today : new Date().toISOString().slice(0, 10);
  const month = params.get('month') || today.slice(0, 7);
  const input = el('input', { type: 'month', id: 'monthly-month', value: month });
  const go = () => {
    const r = S.me.region || (document.getElementById('monthly-province') || {}).value || '';
    location.hash = `#/monthly?region=${encodeURIComponent(r)}&month=${encodeURIComponent(input.value)}`;
  };
  const pick = await provinceChoice('monthly-province', region, go);
  const src = region ? `/api/monthly?region=${encodeURIComponent(region)}&month=${encodeURIComponent(month)}&lang=${encodeURIComponent(S.lang)}` : null;
  /* the server decides who may read which province's report: ask before framing it */
  const probe = src ? await api('GET', src) : null;
  if (probe && probe.status !== 200) return main(el('h1', { text: t('month.title') }), el('p', { class: 'error', id: 'monthly-error', text: errorText(probe) }));
  main(el('h1', { text: t('month.title') }),
    el('p', { class: 'hint', text: t('month.hint') }),
    el('form', { class: 'filters', onsubmit: (ev) => { ev.preventDefault(); go(); } },
      el('label', {}, t('prov.label'), ' ', pick), ' ',
      el('label', {}, t('month.month'), ' ', input), ' ',
      el('button', { type: 'submit', id: 'monthly-show', text: t('month.show') }),
      src ? el('a', { href: src, target: '_blank', rel: 'noopener', id: 'monthly-open', text: t('month.open') }) : null),
    src ? el('iframe', { id: 'monthly-frame', src, title: t('month.title') }) : el('p', { text: t('req.pick_province') }));
}

/* ---------- audit and keys ---------- */

async function renderAudit() {
  const r = await api('GET', '/api/audit');
  if (r.status !== 200) return main(el('p', { class: 'error', text: errorText(r) }));
  main(el('h1', { text: t('audit.title') }), el('table', { id: 'audit' },
    el('thead', {}, el('tr', {}, ['audit.at', 'audit.user', 'audit.region', 'audit.action', 'audit.target', 'audit.detail', 'audit.peer'].map((k) => el('th', { text: t(k) })))),
    el('tbody', {}, r.data.map((a) => el('tr', {},
      [a.at, a.user, a.region, t('action.' + a.action), a.target, a.detail, a.peer].map((v) => el('td', { text: v || '' })))))));
}

async function renderKeys() {
  const r = await api('GET', '/api/keys');
  if (r.status !== 200) return main(el('p', { class: 'error', text: errorText(r) }));
  const region = el('input', { id: 'key-region', size: 8 });
  const pem = el('textarea', { id: 'key-pem', rows: 6, cols: 70 });
  const msg = el('p', { id: 'key-result' });
  main(el('h1', { text: t('keys.title') }),
    el('table', { id: 'keys' }, el('thead', {}, el('tr', {}, ['sub.region', 'keys.fingerprint', 'keys.at'].map((k) => el('th', { text: t(k) })))),
      el('tbody', {}, r.data.map((k) => el('tr', {}, el('td', { text: k.region }), el('td', { class: 'mono', text: k.fingerprint }), el('td', { text: k.at }))))),
    el('form', { class: 'card', onsubmit: async (ev) => {
      ev.preventDefault();
      const res = await api('POST', '/api/keys', { region: region.value, pem: pem.value });
      if (res.status !== 200) { msg.className = 'error'; msg.textContent = errorText(res); return; }
      renderKeys();
    } }, el('h2', { text: t('keys.register') }), el('label', {}, t('sub.region'), region), el('label', {}, t('keys.pem'), pem),
    el('button', { type: 'submit', text: t('keys.save') }), msg));
}

/* ---------- routing ---------- */

async function route() {
  if (!S.me) return renderLogin();
  if (S.source) { S.source.close(); S.source = null; }
  const h = location.hash.split('?')[0];
  let m;
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('here', h.startsWith(a.getAttribute('href').replace(/s$/, '')));
  if ((m = h.match(/^#\/submission\/(\d+)$/))) return renderSubmission(m[1]);
  if ((m = h.match(/^#\/run\/(\d+)$/))) return renderRun(m[1]);
  if (h === '#/submissions') return renderSubmissions();
  if (h === '#/runs') return renderRuns();
  if (h === '#/audit') return renderAudit();
  if (h === '#/requirements') return renderRequirements();
  if (h === '#/monthly') return renderMonthly();
  if (h === '#/keys') return renderKeys();
  return renderBoard();
}

async function boot() {
  const cfg = await api('GET', '/api/config');
  const saved = localStorage.getItem('ctk.lang');
  await loadCatalogue(saved || (cfg.data && cfg.data.lang) || 'zh-CN');
  document.getElementById('lang').addEventListener('change', async (ev) => {
    localStorage.setItem('ctk.lang', ev.target.value);
    await loadCatalogue(ev.target.value);
    if (S.me) startApp(); else renderLogin();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await api('POST', '/api/logout');
    S.me = null;
    renderLogin();
  });
  window.addEventListener('hashchange', route);
  const me = await api('GET', '/api/me');
  if (me.status === 200) { S.me = me.data; startApp(); } else renderLogin();
}

boot();
