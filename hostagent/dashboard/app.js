// hotsplice dashboard: reads hostd's JSON API (docs/api.md) and shows coverage.
// Rules this file keeps: everything from the API (guest names, reasons, messages) reaches the
// page through text nodes or setAttribute on inert attributes, never as HTML; no eval, no
// inline code, so the page runs under hostd's strict Content-Security-Policy.
'use strict';
(function () {
  const REFRESH_MS = 5000;
  const TIMEOUT_MS = 4000;
  // Worst first: the default order puts the guests that need a look at the top.
  const STATUSES = ['failed', 'agent_silent', 'pending', 'unknown', 'no_channel',
    'unsupported_kernel', 'patched'];
  // Glyph + words, so no status is told by colour alone.
  const LABELS = {
    patched: '\u2713 patched', pending: '\u25F7 pending', failed: '\u2715 failed',
    unsupported_kernel: '\u2298 unsupported kernel', no_channel: '\u2013 no channel',
    agent_silent: '! agent silent', unknown: '? unknown',
  };
  const WHY_NOT = {
    policy: 'manual policy', canary_stage: 'waiting for the canary stage',
    pinned: 'above the pin', failed: 'failed', crashed_last_time: 'crashed last time',
    queued: 'queued', paused: 'rollout paused', rolled_back: 'rolled back by the operator',
    after_rollback: 'waits behind a rolled-back level', superseded: 'replaced by a newer live bundle',
  };

  const $ = (id) => document.getElementById(id);
  const state = {
    guests: [], host: null, generated: null, lastOk: 0, error: null, directory: null,
    sortKey: 'status', sortDir: 1, text: '', status: '', selected: null, detail: null,
    timer: null,
  };

  // el('td', {class: 'x', title: t}, child...) where a child is a node or text.
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    if (attrs) for (const [k, v] of Object.entries(attrs)) if (v != null) node.setAttribute(k, v);
    for (const child of children) {
      if (child == null) continue;
      node.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  const known = (status) => (Object.prototype.hasOwnProperty.call(LABELS, status) ? status : 'unknown');
  function badge(status) {
    const s = known(status);
    return el('span', { class: 'badge st-' + s, 'data-status': String(status) }, LABELS[s]);
  }
  const str = (v) => (typeof v === 'string' ? v : '');
  const list = (v) => (Array.isArray(v) ? v : []);
  // hostd sends cves_open null when no bundle targets the kernel (or it is not known): no
  // manifest lists its CVEs, so they are unknown, never "0 open".
  const noBundle = (g) => !Array.isArray(g.cves_open);
  // The guest directory (libvirt) when hostd says it is disconnected, else null: its guests
  // are then unknown, which an empty table must not pass off as "no guests".
  const directoryDown = () => (state.directory && typeof state.directory === 'object' &&
    state.directory.connected === false ? state.directory : null);
  const release = (g) => (g.kernel && typeof g.kernel === 'object' ? str(g.kernel.release) : '');

  function parseTime(text) {
    const t = Date.parse(str(text));
    return Number.isNaN(t) ? null : t;
  }
  function age(ms) {
    const s = Math.max(0, Math.round(ms / 1000));
    if (s < 90) return s + ' s';
    if (s < 5400) return Math.round(s / 60) + ' min';
    if (s < 172800) return Math.round(s / 3600) + ' h';
    return Math.round(s / 86400) + ' d';
  }
  function ago(text) {
    const t = parseTime(text);
    return t == null ? null : age(Date.now() - t) + ' ago';
  }

  // --- fetching ---------------------------------------------------------------------------
  async function getJson(path) {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(path, { cache: 'no-store', signal: abort.signal,
        headers: { Accept: 'application/json' } });
      let body = null;
      try { body = await response.json(); } catch (e) { body = null; }
      if (!response.ok) {
        const err = body && body.error ? body.error : {};
        throw new Error(path + ': HTTP ' + response.status + ' ' + str(err.code) + ' ' + str(err.message));
      }
      if (!body || typeof body !== 'object') throw new Error(path + ': not a JSON object');
      return body;
    } catch (e) {
      if (e.name === 'AbortError') throw new Error(path + ': no answer in ' + TIMEOUT_MS / 1000 + ' s');
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  async function refresh() {
    clearTimeout(state.timer);
    try {
      const [host, guests] = await Promise.all([getJson('api/v1/host'), getJson('api/v1/guests')]);
      state.host = host;
      state.guests = list(guests.guests).filter((g) => g && typeof g === 'object');
      state.generated = str(guests.generated);
      state.directory = guests.guest_directory;
      state.error = null;
      state.lastOk = Date.now();
      if (state.selected != null) await loadDetail(state.selected);
    } catch (e) {
      state.error = e.message || String(e);
    }
    render();
    if ($('auto').checked) state.timer = setTimeout(refresh, REFRESH_MS);
  }

  async function loadDetail(id) {
    try {
      state.detail = await getJson('api/v1/guests/' + encodeURIComponent(id));
      state.detailError = null;
    } catch (e) {
      state.detailError = e.message || String(e);
    }
  }

  // --- rendering --------------------------------------------------------------------------
  function render() {
    renderTop();
    renderSummary();
    renderTable();
    renderDetail();
    tick();
  }

  function renderTop() {
    const h = state.host;
    const host = $('host');
    clear(host);
    if (h) {
      const kernel = h.kernel && typeof h.kernel === 'object' ? str(h.kernel.release) : '';
      host.appendChild(el('strong', null, str(h.hostname) || '(no hostname)'));
      host.appendChild(document.createTextNode(
        ' \u00B7 kernel ' + (str(h.effective_kernel) || kernel || '?') +
        ' \u00B7 hostd ' + (str(h.hostd_version) || '?')));
      const repo = h.repository && typeof h.repository === 'object' ? h.repository : {};
      const synced = ago(repo.last_sync);
      host.appendChild(document.createTextNode(' \u00B7 repository ' +
        (synced ? 'synced ' + synced : 'never synced')));
      if (str(repo.error)) host.appendChild(el('span', { class: 'bad-text' }, ' (' + str(repo.error) + ')'));
    }
    const rollout = $('rollout');
    const paused = h && h.rollout && h.rollout.paused === true;
    rollout.hidden = !paused;
    rollout.textContent = paused ? '\u23F8 rollout paused' : '';
  }

  function counts() {
    const by = {};
    for (const s of STATUSES) by[s] = 0;
    for (const g of state.guests) by[known(g.status)] += 1;
    return by;
  }

  function renderSummary() {
    const summary = $('summary');
    clear(summary);
    const by = counts();
    const tile = (cls, n, label, status) => {
      const t = el('button', { type: 'button', class: 'tile ' + cls + (n ? '' : ' zero') +
        (state.status === status ? ' active' : ''), 'data-status': status,
        title: status ? 'Show only ' + label : 'Show all' },
      el('span', { class: 'n' }, n), el('span', { class: 'l' }, label));
      return t;
    };
    summary.appendChild(tile('all', state.guests.length, 'guests', ''));
    for (const s of STATUSES) summary.appendChild(tile('st-' + s, by[s], LABELS[s], s));
    const h = state.host;
    let open = h && h.summary && Number.isFinite(h.summary.open_cves) ? h.summary.open_cves : null;
    if (open == null) {
      const set = new Set();
      for (const g of state.guests) for (const c of list(g.cves_open)) set.add(c);
      open = set.size;
    }
    const unknown = h && h.summary && Number.isFinite(h.summary.cves_unknown) ? h.summary.cves_unknown : 0;
    summary.appendChild(el('div', { class: 'tile cves' + (open ? '' : ' zero'), id: 'open-cves',
      title: unknown ? 'CVEs unknown on ' + unknown + ' kernel(s): no bundle targets them' : null },
    el('span', { class: 'n' }, open), el('span', { class: 'l' }, 'open CVEs (distinct)' +
      (unknown ? '; unknown on ' + unknown : ''))));
  }

  function sortValue(g, key) {
    switch (key) {
      case 'name': return str(g.name).toLowerCase();
      case 'kind': return str(g.kind);
      case 'kernel': return release(g);
      case 'effective': return str(g.effective_kernel);
      case 'status': return STATUSES.indexOf(known(g.status));
      case 'applied': return list(g.applied).length;
      case 'open': return noBundle(g) ? -1 : list(g.cves_open).length;
      case 'contact': { const t = parseTime(g.last_contact); return t == null ? -Infinity : -t; }
      default: return '';
    }
  }

  function matches(g) {
    if (state.status && known(g.status) !== state.status) return false;
    if (!state.text) return true;
    const hay = [g.name, g.id, g.kind, release(g), g.effective_kernel, g.status, g.reason,
      ...list(g.cves_open), ...list(g.cves_fixed),
      ...list(g.applied).map((p) => p && p.bundle_id)]
      .map(str).join('\n').toLowerCase();
    return state.text.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w));
  }

  function visibleGuests() {
    const rows = state.guests.filter(matches);
    const key = state.sortKey;
    const dir = state.sortDir;
    rows.sort((a, b) => {
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      if (x < y) return -dir;
      if (x > y) return dir;
      return str(a.name).localeCompare(str(b.name));
    });
    return rows;
  }

  function renderTable() {
    for (const th of document.querySelectorAll('#guests th')) {
      th.setAttribute('aria-sort', th.dataset.key === state.sortKey
        ? (state.sortDir > 0 ? 'ascending' : 'descending') : 'none');
    }
    const rows = visibleGuests();
    const body = document.querySelector('#guests tbody');
    const fragment = document.createDocumentFragment();
    for (const g of rows) {
      const id = str(g.id);
      const applied = list(g.applied).map((p) => str(p && p.bundle_id));
      const open = list(g.cves_open).map(str);
      const contact = ago(g.last_contact);
      const tr = el('tr', { tabindex: '0', 'data-id': id,
        class: id === state.selected ? 'selected' : null },
      el('td', { class: 'c-name', title: str(g.name) + '\n' + id }, str(g.name) || id),
      el('td', { class: 'c-kind' }, str(g.kind)),
      el('td', { class: 'c-kernel' }, release(g) || el('span', { class: 'muted' }, 'not reported')),
      el('td', { class: 'c-effective', title: str(g.effective_kernel) }, str(g.effective_kernel)),
      el('td', { class: 'c-status', title: str(g.reason) || null }, badge(g.status)),
      el('td', { class: 'c-applied num', title: applied.join('\n') || null }, applied.length),
      noBundle(g)
        ? el('td', { class: 'c-open num muted', title: 'unknown: no bundle targets this kernel' }, '\u2013')
        : el('td', { class: 'c-open num' + (open.length ? ' bad-text' : ''),
          title: open.join('\n') || null }, open.length),
      el('td', { class: 'c-contact num', title: str(g.last_contact) || null },
        contact || el('span', { class: 'muted' }, 'never')));
      fragment.appendChild(tr);
    }
    clear(body);
    body.appendChild(fragment);
    const empty = $('empty');
    empty.hidden = rows.length > 0;
    empty.textContent = state.guests.length ? 'No guest matches the filter.' :
      directoryDown() ? 'Guests unknown: hostd cannot reach its guest directory (see above).' :
        (state.lastOk ? 'hostd knows no guests yet.' : 'Waiting for hostd\u2026');
    $('count').textContent = rows.length === state.guests.length
      ? state.guests.length + ' guests' : rows.length + ' of ' + state.guests.length + ' guests';
  }

  function cveList(cves) {
    return el('span', null, ...list(cves).map((c) => el('span', { class: 'cve' }, str(c))));
  }

  function subTable(headers, rows, none) {
    if (!rows.length) return el('p', { class: 'none' }, none);
    const table = el('table', { class: 'sub' },
      el('thead', null, el('tr', null, ...headers.map((h) => el('th', null, h)))));
    const body = el('tbody');
    for (const cells of rows) body.appendChild(el('tr', null, ...cells.map((c) => el('td', null, c))));
    table.appendChild(body);
    return table;
  }

  function renderDetail() {
    const aside = $('detail');
    if (state.selected == null) { aside.hidden = true; return; }
    aside.hidden = false;
    const listed = state.guests.find((g) => str(g.id) === state.selected);
    const d = state.detail && str(state.detail.id) === state.selected ? state.detail : listed;
    if (!d) {
      $('d-name').textContent = state.selected;
      const s = $('d-status');
      clear(s);
      s.appendChild(el('span', { class: 'bad-text' }, state.detailError || 'hostd no longer lists this guest.'));
      for (const id of ['d-facts', 'd-applied', 'd-available', 'd-cves', 'd-history']) clear($(id));
      return;
    }
    $('d-name').textContent = str(d.name) || str(d.id);
    const s = $('d-status');
    clear(s);
    s.appendChild(badge(d.status));
    if (str(d.reason)) s.appendChild(el('span', { class: 'reason' }, str(d.reason)));
    if (state.detailError) s.appendChild(el('span', { class: 'reason bad-text' }, state.detailError));

    const facts = $('d-facts');
    clear(facts);
    const k = d.kernel && typeof d.kernel === 'object' ? d.kernel : {};
    const fact = (label, value) => {
      if (value == null || value === '') return;
      facts.appendChild(el('dt', null, label));
      facts.appendChild(el('dd', null, value));
    };
    fact('id', str(d.id));
    fact('kind', str(d.kind) + (list(d.platform_evidence).length ? ' (' + list(d.platform_evidence).map(str).join('; ') + ')' : ''));
    fact('kernel', str(k.release) || 'not reported');
    fact('version', str(k.version));
    fact('build-id', str(k.build_id));
    fact('effective', str(d.effective_kernel));
    fact('agent', str(d.agent_version));
    fact('last contact', d.last_contact ? str(d.last_contact) + ' (' + ago(d.last_contact) + ')' : 'never');
    fact('pin', d.pin == null ? null : (str(d.pin) || 'held at none'));
    fact('covered by', d.covered_by == null ? null : str(d.covered_by));
    // A silent agent's last report: history, shown apart and never as what is live now.
    const last = d.last_known && typeof d.last_known === 'object' ? d.last_known : null;
    if (last) {
      fact('last known', str(last.status) + ' at ' + str(last.at) +
        (str(last.effective_kernel) ? ', ' + str(last.effective_kernel) : '') + ' (not current)');
    }
    const silentText = 'Unknown: the agent does not answer.';

    const box = (id, node) => { const b = $(id); clear(b); b.appendChild(node); };
    const appliedRows = (patches) =>
      list(patches).map((p) => [str(p && p.bundle_id), cveList(p && p.cves)]);
    box('d-applied', last
      ? subTable(['bundle (last known, not current)', 'CVEs'], appliedRows(last.applied), silentText)
      : subTable(['bundle', 'CVEs'], appliedRows(d.applied), 'Nothing live.'));
    box('d-available', subTable(['bundle', 'why not', 'CVEs'],
      list(d.available).map((p) => {
        const why = str(p && p.why_not);
        const err = p && p.error && typeof p.error === 'object'
          ? ': ' + str(p.error.code) + ' \u2013 ' + str(p.error.message) : '';
        return [str(p && p.bundle_id), (WHY_NOT[why] || why) + err, cveList(p && p.cves)];
      }), last ? silentText : list(d.applied).length ? 'Every bundle for this kernel is live.'
        : 'No bundle targets this kernel.'));
    const cves = list(d.cves_open).map(str);
    const cveBox = $('d-cves');
    clear(cveBox);
    if (!cves.length) {
      cveBox.appendChild(el('p', { class: 'none' }, last ? silentText : noBundle(d)
        ? 'Unknown: no bundle targets this kernel, so no manifest lists its CVEs.' : 'None known.'));
    }
    for (const c of cves) cveBox.appendChild(el('span', { class: 'cve mono bad-text' }, c));
    const history = list(d.history).slice().reverse();
    box('d-history', Array.isArray(d.history)
      ? subTable(['time (UTC)', 'bundle', 'action', 'result', 'detail'], history.map((e) => [
        str(e.time).replace('T', ' ').replace('Z', ''), str(e.bundle_id), str(e.action), str(e.result),
        [str(e.code), str(e.message)].filter(Boolean).join(': ')]), 'No events recorded.')
      : el('p', { class: 'none' }, 'Loading\u2026'));
  }

  // "updated N s ago", every second; stale and unreachable states are loud.
  function tick() {
    const f = $('freshness');
    const banner = $('banner');
    const layout = document.querySelector('.layout');
    if (state.error) {
      f.textContent = state.lastOk ? 'stale: updated ' + age(Date.now() - state.lastOk) + ' ago'
        : 'no data';
      f.classList.add('stale');
      banner.hidden = false;
      banner.textContent = 'hostd unreachable: ' + state.error +
        (state.lastOk ? '. Showing the data of ' + new Date(state.lastOk).toLocaleTimeString() + '.' : '.') +
        ($('auto').checked ? ' Retrying every ' + REFRESH_MS / 1000 + ' s.' : '');
      layout.classList.toggle('stale', state.lastOk > 0);
    } else {
      f.textContent = state.lastOk ? 'updated ' + age(Date.now() - state.lastOk) + ' ago' : 'loading\u2026';
      f.classList.remove('stale');
      const down = directoryDown();
      banner.hidden = !down;
      banner.textContent = down ? 'Guest directory ' + str(down.uri) + ' disconnected since ' +
        str(down.since) + ': ' + str(down.why) + '. Its guests are unknown while disconnected; ' +
        'hostd retries.' : '';
      layout.classList.remove('stale');
    }
    f.title = state.generated ? 'generated by hostd at ' + state.generated : '';
  }

  // --- interaction ------------------------------------------------------------------------
  function select(id) {
    state.selected = id;
    state.detail = null;
    state.detailError = null;
    const hash = id == null ? '' : '#guest=' + encodeURIComponent(id);
    if (location.hash !== hash) history.replaceState(null, '', hash || location.pathname);
    render();
    if (id != null) loadDetail(id).then(render);
  }

  function fromHash() {
    const m = /^#guest=(.*)$/.exec(location.hash);
    if (!m) return null;
    try { return decodeURIComponent(m[1]); } catch (e) { return null; }
  }

  function init() {
    const statusFilter = $('status-filter');
    for (const s of STATUSES) statusFilter.appendChild(el('option', { value: s }, LABELS[s]));
    $('filter').addEventListener('input', (e) => { state.text = e.target.value.trim(); renderTable(); });
    statusFilter.addEventListener('change', (e) => { state.status = e.target.value; render(); });
    $('summary').addEventListener('click', (e) => {
      const t = e.target.closest('button.tile');
      if (!t) return;
      state.status = t.dataset.status === state.status ? '' : t.dataset.status;
      statusFilter.value = state.status;
      render();
    });
    for (const th of document.querySelectorAll('#guests th')) {
      th.tabIndex = 0;
      const sort = () => {
        if (state.sortKey === th.dataset.key) state.sortDir = -state.sortDir;
        else { state.sortKey = th.dataset.key; state.sortDir = 1; }
        renderTable();
      };
      th.addEventListener('click', sort);
      th.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); } });
    }
    const body = document.querySelector('#guests tbody');
    const open = (e) => { const tr = e.target.closest('tr[data-id]'); if (tr) select(tr.dataset.id); };
    body.addEventListener('click', open);
    body.addEventListener('keydown', (e) => { if (e.key === 'Enter') open(e); });
    $('d-close').addEventListener('click', () => select(null));
    document.addEventListener('keydown', (e) => { if (e.key === 'Escape' && state.selected != null) select(null); });
    $('auto').addEventListener('change', (e) => { if (e.target.checked) refresh(); else clearTimeout(state.timer); tick(); });
    window.addEventListener('hashchange', () => { const id = fromHash(); if (id !== state.selected) select(id); });
    setInterval(tick, 1000);
    state.selected = fromHash();
    refresh();
  }

  document.addEventListener('DOMContentLoaded', init);
})();
