// Declarative headless-Chromium driver for the Go package web/browsertest.
//
// Why a separate Node program: the Go side stays free of browser-automation
// dependencies, and playwright-core drives the Debian-packaged Chromium
// (/usr/bin/chromium) without ever downloading a browser of its own.
//
// Protocol: read ONE JSON document from stdin
//   {"screenshotDir": "...", "scenarios": [{"name", "viewport": {"width", "height"}, "steps": [...]}]}
// and write ONE JSON document to stdout
//   {"results": [{"name", "steps": [{"op", "ok", "error", "status", "url", "text", "violations", "file"}]}]}
//
// The step list is declarative on purpose (no "eval" op): tests describe what
// a person does (go to a page, click, type, press keys, read text, look at
// it), so they can't grow into hidden page scripting.
//
// Exit status: 0 whenever a JSON document was printed (step failures are data,
// not crashes); 1 only if the driver cannot start (bad input, no
// playwright-core, Chromium fails to launch), with the reason on stderr.

import { readFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

const CHROMIUM = process.env.HROMADA_CHROMIUM || '/usr/bin/chromium';
const DEFAULT_STEP_TIMEOUT_MS = 15000;
const DEFAULT_VIEWPORT = { width: 1280, height: 800 };
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

function die(msg) {
  process.stderr.write(`driver.mjs: ${msg}\n`);
  process.exit(1);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function errMessage(err) {
  if (!err) return 'unknown error';
  // Drop terminal colour codes Playwright puts in its call logs.
  const msg = String(err.message || err).replace(/\u001b\[[0-9;]*m/g, '');
  // Playwright appends a multi-line call log; the first lines carry the cause.
  return msg.split('\n').slice(0, 6).join('\n').trim();
}

// withTimeout bounds every step, including ones Playwright's own timeouts do
// not cover (axe.run inside page.evaluate).
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function safeFileName(name) {
  return String(name).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '') || 'screenshot';
}

function requireField(step, field) {
  const v = step[field];
  if (v === undefined || v === null || v === '') {
    throw new Error(`step "${step.op}" needs "${field}"`);
  }
  return v;
}

let axeSource = null;
async function loadAxe() {
  if (axeSource === null) {
    axeSource = await readFile(path.join(here, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
  }
  return axeSource;
}

// describeFocused runs in the page: a one-line description of the focused
// element, e.g. `button#send "Надіслати"` or `a href="/uk/help" "Довідка"`.
function describeFocused() {
  const el = document.activeElement;
  if (!el || el === document.body) return 'body';
  let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  const name = el.getAttribute('name');
  if (name) s += `[name="${name}"]`;
  const type = el.getAttribute('type');
  if (type) s += `[type="${type}"]`;
  const href = el.getAttribute('href');
  if (href !== null) s += ` href="${href}"`;
  const text = (el.innerText || el.value || el.getAttribute('aria-label') || '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 80);
  if (text) s += ` "${text}"`;
  return s;
}

async function runAxe(page) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!hasAxe) {
    await page.addScriptTag({ content: await loadAxe() });
  }
  return page.evaluate(async (tags) => {
    const res = await window.axe.run(document, {
      runOnly: { type: 'tag', values: tags },
      resultTypes: ['violations'],
    });
    return res.violations.map((v) => ({
      id: v.id,
      impact: v.impact || '',
      help: v.help,
      nodes: v.nodes.map((n) =>
        (n.target || []).map((t) => (Array.isArray(t) ? t.join(' >>> ') : String(t))).join(' | '),
      ),
    }));
  }, AXE_TAGS);
}

// standInPushManager runs in each page of a context given a
// "pushSubscription" step: headless Chromium has no push service to
// subscribe with (PushManager.subscribe fails "permission denied"), so
// subscribe answers with the subscription the test made on its own push
// service simulator, after the checks a browser makes (userVisibleOnly,
// a P-256 applicationServerKey, the notifications permission).
// Everything else (the service worker, its registration, the
// notifications it shows) is Chromium's own.
function standInPushManager(sub) {
  if (typeof PushManager === 'undefined') return;
  const mark = 'hromada-test-push-subscribed';
  const make = () => ({
    endpoint: sub.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true },
    toJSON() {
      return { endpoint: sub.endpoint, expirationTime: null, keys: sub.keys };
    },
    unsubscribe() {
      localStorage.removeItem(mark);
      return Promise.resolve(true);
    },
  });
  PushManager.prototype.subscribe = function (opts) {
    const key = opts && opts.applicationServerKey;
    const len = key ? (key.byteLength !== undefined ? key.byteLength : key.length) : 0;
    if (!opts || opts.userVisibleOnly !== true) return Promise.reject(new DOMException('userVisibleOnly', 'NotAllowedError'));
    if (len !== 65) return Promise.reject(new DOMException('applicationServerKey', 'InvalidAccessError'));
    if (Notification.permission !== 'granted') return Promise.reject(new DOMException('permission denied', 'NotAllowedError'));
    localStorage.setItem(mark, '1');
    return Promise.resolve(make());
  };
  PushManager.prototype.getSubscription = function () {
    return Promise.resolve(localStorage.getItem(mark) ? make() : null);
  };
}

// notificationsOf runs in the page: the notifications the service worker
// registered for scope shows, as JSON ("" while there are none).
async function notificationsOf(scope) {
  const reg = await navigator.serviceWorker.getRegistration(scope);
  const ns = reg ? await reg.getNotifications() : [];
  if (!ns.length) return '';
  return JSON.stringify(ns.map((n) => ({ title: n.title, body: n.body, data: n.data })));
}

// runStep performs one step and fills `res`. Navigation responses of the main
// frame are tracked by the caller in `nav` so click/press steps that cause a
// navigation report its status too.
async function runStep(page, step, res, nav, ctx) {
  switch (step.op) {
    case 'goto': {
      const url = requireField(step, 'url');
      const resp = await page.goto(url, { waitUntil: 'load' });
      res.status = resp ? resp.status() : 0;
      break;
    }
    case 'click': {
      const before = nav.count;
      await page.click(requireField(step, 'selector'));
      await page.waitForLoadState('load');
      if (nav.count !== before) res.status = nav.status;
      break;
    }
    case 'fill':
      await page.fill(requireField(step, 'selector'), String(step.value ?? ''));
      break;
    case 'check':
      await page.check(requireField(step, 'selector'));
      break;
    case 'select':
      // A person choosing an option of a <select>: value is the option's value.
      await page.selectOption(requireField(step, 'selector'), String(requireField(step, 'value')));
      break;
    case 'upload':
      // A person choosing a file in a file input: value is its path.
      await page.setInputFiles(requireField(step, 'selector'), String(requireField(step, 'value')));
      break;
    case 'press': {
      const before = nav.count;
      await page.press(requireField(step, 'selector'), requireField(step, 'key'));
      await page.waitForLoadState('load');
      if (nav.count !== before) res.status = nav.status;
      break;
    }
    case 'text':
      res.text = await page.locator(requireField(step, 'selector')).first().innerText();
      break;
    case 'waitText': {
      // A person watching the page until it says something (a status
      // updated in place); the step's timeout bounds the wait.
      const loc = page.locator(requireField(step, 'selector')).filter({ hasText: String(requireField(step, 'value')) }).first();
      await loc.waitFor({ state: 'visible' });
      res.text = await loc.innerText();
      break;
    }
    case 'attr': {
      const v = await page
        .locator(requireField(step, 'selector'))
        .first()
        .getAttribute(requireField(step, 'name'));
      res.text = v ?? '';
      break;
    }
    case 'focused':
      res.text = await page.evaluate(describeFocused);
      break;
    case 'screenshot': {
      if (!ctx.screenshotDir) throw new Error('screenshot: no "screenshotDir" in the input');
      await mkdir(ctx.screenshotDir, { recursive: true });
      const name = step.name ? step.name : `${ctx.scenarioName}-${ctx.index}`;
      const file = path.resolve(ctx.screenshotDir, safeFileName(name) + '.png');
      await page.screenshot({ path: file, fullPage: !!step.fullPage });
      res.file = file;
      break;
    }
    case 'axe':
      res.violations = await runAxe(page);
      break;
    case 'download': {
      // A person clicking a link that downloads a file: the file is kept
      // beside the screenshots, its path in File and (text files) its
      // content in Text.
      if (!ctx.screenshotDir) throw new Error('download: no "screenshotDir" in the input');
      const [dl] = await Promise.all([page.waitForEvent('download'), page.click(requireField(step, 'selector'))]);
      await mkdir(ctx.screenshotDir, { recursive: true });
      const file = path.resolve(ctx.screenshotDir, safeFileName(dl.suggestedFilename()));
      await dl.saveAs(file);
      res.file = file;
      res.text = await readFile(file, 'utf8');
      break;
    }
    case 'overflow':
      // Whether the page scrolls sideways: the document's width beyond
      // the viewport's, in CSS pixels ("0" when it does not).
      res.text = String(await page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)));
      break;
    case 'grant': {
      // A person answering "allow" when the site asks for a permission
      // (headless Chromium answers "denied" by itself): Value names it,
      // for the origin of URL or of the page.
      const origin = new URL(step.url || page.url()).origin;
      await page.context().grantPermissions([String(requireField(step, 'value'))], { origin });
      break;
    }
    case 'pushSubscription':
      // Value: the PushSubscription JSON ({endpoint, keys: {p256dh,
      // auth}}) PushManager.subscribe gives from the next page on (see
      // standInPushManager).
      await page.context().addInitScript(standInPushManager, JSON.parse(String(requireField(step, 'value'))));
      break;
    case 'push': {
      // The push service delivering a message to this browser: its data,
      // as the browser hands it to the service worker once decrypted, is
      // the body of a GET of URL (the test decrypts what the portal
      // sent); CDP's ServiceWorker.deliverPushMessage gives it to the
      // service worker registered for scope Value (resolved against the
      // page). Text is the data.
      const src = String(requireField(step, 'url'));
      const scope = new URL(String(requireField(step, 'value')), page.url()).href;
      const resp = await fetch(src);
      const data = await resp.text();
      if (!resp.ok) throw new Error(`push: GET ${src}: HTTP ${resp.status}: ${data.slice(0, 300)}`);
      const cdp = await page.context().newCDPSession(page);
      try {
        const reg = await new Promise((resolve, reject) => {
          cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
            const r = e.registrations.find((r) => !r.isDeleted && r.scopeURL === scope);
            if (r) resolve(r);
          });
          cdp.send('ServiceWorker.enable').catch(reject);
        });
        await cdp.send('ServiceWorker.deliverPushMessage', { origin: new URL(scope).origin, registrationId: reg.registrationId, data });
      } finally {
        await cdp.detach().catch(() => {});
      }
      res.text = data;
      break;
    }
    case 'notifications': {
      // What the person sees pop up: the notifications the service
      // worker registered for scope Value shows, as JSON [{title, body,
      // data}], once there is one (up to the step's timeout).
      const scope = new URL(String(requireField(step, 'value')), page.url()).href;
      for (;;) {
        res.text = await page.evaluate(notificationsOf, scope);
        if (res.text) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      break;
    }
    case 'eval':
      throw new Error('op "eval" is not supported: keep scenarios declarative');
    default:
      throw new Error(`unknown op ${JSON.stringify(step.op)}`);
  }
}

// What each scenario's browser held (cookies, storage) when it ended, by
// scenario name: a later scenario with "resume" starts from it — the same
// browser used again after another one acted.
const endStates = new Map();

async function runScenario(browser, scenario, screenshotDir) {
  const name = String(scenario.name || '');
  const out = { name, steps: [] };
  const viewport = scenario.viewport && scenario.viewport.width > 0 && scenario.viewport.height > 0
    ? { width: scenario.viewport.width, height: scenario.viewport.height }
    : DEFAULT_VIEWPORT;

  let context;
  try {
    // bypassCSP: the pages send script-src 'self', which would block the
    // injected axe-core script. Note it also hides CSP violations from tests.
    const opts = { viewport, locale: 'uk-UA', bypassCSP: true };
    if (scenario.resume) {
      if (!endStates.has(scenario.resume)) throw new Error(`resume: no earlier scenario ${JSON.stringify(scenario.resume)}`);
      opts.storageState = endStates.get(scenario.resume);
    }
    context = await browser.newContext(opts);
  } catch (err) {
    out.steps.push({ op: 'newContext', ok: false, error: errMessage(err) });
    return out;
  }

  try {
    const page = await context.newPage();
    const nav = { count: 0, status: 0 };
    page.on('response', (resp) => {
      try {
        if (resp.request().isNavigationRequest() && resp.frame() === page.mainFrame()) {
          nav.count++;
          nav.status = resp.status();
        }
      } catch {
        // Frame already detached: not the main document.
      }
    });

    const steps = Array.isArray(scenario.steps) ? scenario.steps : [];
    for (let i = 0; i < steps.length; i++) {
      const step = steps[i] || {};
      const timeoutMs = step.timeoutMs > 0 ? step.timeoutMs : DEFAULT_STEP_TIMEOUT_MS;
      page.setDefaultTimeout(timeoutMs);
      page.setDefaultNavigationTimeout(timeoutMs);
      const res = { op: String(step.op || ''), ok: false, error: '' };
      if (step.optional) res.optional = true;
      try {
        await withTimeout(
          runStep(page, step, res, nav, { screenshotDir, scenarioName: name, index: i }),
          timeoutMs + 1000,
          res.op,
        );
        res.ok = true;
      } catch (err) {
        res.error = errMessage(err);
      }
      try {
        res.url = page.url();
      } catch {
        res.url = '';
      }
      out.steps.push(res);
      if (!res.ok && !step.optional) break;
    }
  } finally {
    try {
      endStates.set(name, await context.storageState());
    } catch {
      // A context that failed keeps nothing to resume from.
    }
    await context.close().catch(() => {});
  }
  return out;
}

async function main() {
  let input;
  try {
    input = JSON.parse(await readStdin());
  } catch (err) {
    die(`cannot parse JSON from stdin: ${errMessage(err)}`);
  }
  if (!input || !Array.isArray(input.scenarios)) die('input needs a "scenarios" array');

  let chromium;
  try {
    ({ chromium } = await import('playwright-core'));
  } catch (err) {
    die(`cannot load playwright-core (run .ci/install-browser.sh): ${errMessage(err)}`);
  }

  let browser;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60000,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
        '--disable-dev-shm-usage',
      ],
    });
  } catch (err) {
    die(`cannot launch ${CHROMIUM}: ${errMessage(err)}`);
  }

  const screenshotDir = input.screenshotDir ? String(input.screenshotDir) : '';
  const results = [];
  try {
    for (const scenario of input.scenarios) {
      try {
        results.push(await runScenario(browser, scenario || {}, screenshotDir));
      } catch (err) {
        results.push({
          name: String((scenario && scenario.name) || ''),
          steps: [{ op: 'scenario', ok: false, error: errMessage(err) }],
        });
      }
    }
  } finally {
    await browser.close().catch(() => {});
  }

  await new Promise((resolve) => process.stdout.write(JSON.stringify({ results }) + '\n', resolve));
}

main().then(
  () => process.exit(0),
  (err) => die(errMessage(err)),
);
