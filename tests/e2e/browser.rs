//! Headless Chromium through chromedriver (W3C WebDriver, with the `fantoccini` client):
//! starting and stopping chromedriver, one browser session per person, polling waits, keyboard
//! input, and the checks of every page shown: full-page screenshots at two widths, the page's
//! width against the viewport's, and axe-core's accessibility rules.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};

/// How long any single wait in the flow may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// The first of `names` found on `PATH` (or the file `override_var` names).
fn find_program(override_var: &str, names: &[&str], package: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(override_var).filter(|p| !p.is_empty()) {
        let path = PathBuf::from(path);
        assert!(
            path.is_file(),
            "{override_var}={} does not name a file",
            path.display()
        );
        return path;
    }
    let search = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&search) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "the browser tests need {} on PATH (Debian: `apt-get install {package}`, as .ci/run \
         does; or set {override_var} to its path)",
        names.join(" or ")
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free local port")
        .port()
}

/// A chromedriver process started by the test; stopped (with the browsers it started) when
/// dropped, also when the test fails half-way.
pub struct Driver {
    child: Child,
    pub url: String,
    chromium: PathBuf,
    http: reqwest::Client,
    shots: Arc<Checks>,
}

impl Driver {
    pub async fn start(shots: Arc<Checks>) -> Driver {
        let chromium = find_program(
            "CALLQA_E2E_CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
            "chromium",
        );
        let chromedriver = find_program(
            "CALLQA_E2E_CHROMEDRIVER",
            &["chromedriver"],
            "chromium-driver",
        );
        let port = free_port();
        let mut command = Command::new(&chromedriver);
        command
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // Its own process group, so that stopping it also stops the browsers it started.
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            chromium,
            http: reqwest::Client::new(),
            shots,
        };
        let started = Instant::now();
        loop {
            let status = driver
                .http
                .get(format!("{}/status", driver.url))
                .send()
                .await;
            if let Ok(response) = status {
                let body: serde_json::Value = response.json().await.unwrap_or_default();
                if body["value"]["ready"] == true {
                    break;
                }
            }
            assert!(
                started.elapsed() < WAIT,
                "chromedriver ({}) did not become ready on port {port} in {WAIT:?}",
                chromedriver.display()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    /// A new browser session: its own fresh profile, so no cookies or storage carry over.
    pub async fn session(&self, who: &'static str) -> Browser {
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "goog:chromeOptions": {
                "binary": self.chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    "--disable-dev-shm-usage",
                    "--mute-audio",
                    "--lang=en-US",
                    "--window-size=1280,900",
                ],
                "prefs": {"intl.accept_languages": "en-US,en"},
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!()
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver could not start {} for the {who}: {e}",
                    self.chromium.display()
                )
            });
        let session_id = client
            .session_id()
            .await
            .expect("the session id")
            .expect("a started session has an id");
        let browser = Browser {
            client,
            who,
            cdp_url: format!("{}/session/{session_id}/goog/cdp/execute", self.url),
            http: self.http.clone(),
            shots: self.shots.clone(),
        };
        // Every page records what its Content-Security-Policy blocked, from its first byte
        // (a script added this way runs before the page's own and is not subject to it).
        browser
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                serde_json::json!({"source": CSP_RECORDER}),
            )
            .await;
        browser
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group chromedriver leads holds chromedriver and the browsers it started (also
        // those of sessions a failing test left open): ask them all to stop, wait a little,
        // then force the rest.
        let group = format!("-{}", self.child.id());
        let signal = |signal: &str| {
            Command::new("kill")
                .args([signal, "--", &group])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        };
        signal("-TERM");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            let _ = self.child.try_wait();
            if !signal("-0") {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        signal("-KILL");
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where the screenshots go (numbered in flow order), the accessibility checker injected into
/// every page, and what the checks of all pages found, reported at the end of the test.
pub struct Checks {
    dir: PathBuf,
    next: AtomicU32,
    /// The source of `axe.min.js`.
    axe: String,
    findings: Mutex<Findings>,
}

/// What the checks found on the pages, in the order of the visits.
#[derive(Default)]
struct Findings {
    /// Page views checked (one page at one width).
    views: u32,
    /// axe violations of impact serious or critical: the test fails on any.
    violations: Vec<Violation>,
    /// Pages wider than the viewport: the test fails on any.
    overflow: Vec<String>,
    /// Pages whose language switch did not take: the test fails on any.
    language: Vec<String>,
    /// axe violations of impact minor or moderate: listed in the report, not failing.
    lesser: Vec<Violation>,
}

/// One page at one width.
#[derive(Clone)]
struct View {
    path: String,
    lang: String,
    width: u32,
    /// The screenshot's file name.
    file: String,
}

impl std::fmt::Display for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}, {} px, {})",
            self.path, self.lang, self.width, self.file
        )
    }
}

struct Violation {
    rule: String,
    impact: String,
    help: String,
    view: View,
    /// The failing elements: a selector and what is wrong with it.
    nodes: Vec<(String, String)>,
}

/// Lists violations with one entry per rule, page and set of failing elements, naming every
/// language, width and screenshot it was found in.
fn write_violations(text: &mut String, violations: &[Violation], with_summaries: bool) {
    let mut groups: Vec<(&Violation, Vec<&View>)> = Vec::new();
    for v in violations {
        let same = |(first, _): &&mut (&Violation, Vec<&View>)| {
            first.rule == v.rule
                && first.view.path == v.view.path
                && first
                    .nodes
                    .iter()
                    .map(|n| &n.0)
                    .eq(v.nodes.iter().map(|n| &n.0))
        };
        match groups.iter_mut().find(|g| same(g)) {
            Some((_, views)) => views.push(&v.view),
            None => groups.push((v, vec![&v.view])),
        }
    }
    for (v, views) in groups {
        let seen: Vec<String> = views
            .iter()
            .map(|view| format!("{} {} px ({})", view.lang, view.width, view.file))
            .collect();
        let _ = writeln!(
            text,
            "- {} ({}) on {}: {}\n    seen at: {}",
            v.rule,
            v.impact,
            v.view.path,
            v.help,
            seen.join(", ")
        );
        for (selector, summary) in &v.nodes {
            if with_summaries {
                let _ = writeln!(text, "    {selector} — {summary}");
            } else {
                let _ = writeln!(text, "    {selector}");
            }
        }
    }
}

/// The axe rules checked besides axe's defaults: an experimental rule, named in the project's
/// accessibility goals (a control's accessible name must contain its visible text).
const AXE_EXTRA_RULES: [&str; 1] = ["label-content-name-mismatch"];

impl Checks {
    /// `$CARGO_TARGET_DIR/e2e-screenshots/` (or `target/e2e-screenshots/`), emptied of the
    /// previous run's pictures, and axe-core read from `tests/e2e/node_modules` (installed by
    /// `npm ci` there; or the file `CALLQA_E2E_AXE` names). Fails without axe-core.
    pub fn new() -> Arc<Checks> {
        let axe_path = std::env::var_os("CALLQA_E2E_AXE")
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/e2e/node_modules/axe-core/axe.min.js")
            });
        let axe = std::fs::read_to_string(&axe_path).unwrap_or_else(|e| {
            panic!(
                "the browser tests need axe-core, the accessibility checker they run on every \
                 page, at {} ({e}): install it with `npm ci` in tests/e2e (needs Node.js and \
                 npm; Debian: `apt-get install nodejs npm`), as .ci/run does; or set \
                 CALLQA_E2E_AXE to the path of an axe.min.js",
                axe_path.display()
            )
        });
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .filter(|dir| !dir.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target"));
        let dir = target.join("e2e-screenshots");
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if entry.path().extension().is_some_and(|ext| ext == "png") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Arc::new(Checks {
            dir,
            next: AtomicU32::new(1),
            axe,
            findings: Mutex::new(Findings::default()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Everything the checks found, as text; also written to `checks.txt` beside the
    /// screenshots. `Err` when any page had a serious or critical axe violation, was wider
    /// than its viewport, or did not switch its language.
    pub fn report(&self) -> Result<String, String> {
        let findings = self.findings.lock().unwrap();
        let mut text = String::new();
        let failing = findings.violations.len() + findings.overflow.len() + findings.language.len();
        let _ = writeln!(
            text,
            "{} page views checked (axe-core, page width); {} serious or critical axe \
             violations, {} views wider than the viewport, {} language switches that did not \
             take",
            findings.views,
            findings.violations.len(),
            findings.overflow.len(),
            findings.language.len()
        );
        if !findings.violations.is_empty() {
            let _ = writeln!(text, "\naxe violations of impact serious or critical:");
            write_violations(&mut text, &findings.violations, true);
        }
        if !findings.overflow.is_empty() {
            let _ = writeln!(text, "\npages wider than the viewport:");
            for page in &findings.overflow {
                let _ = writeln!(text, "- {page}");
            }
        }
        if !findings.language.is_empty() {
            let _ = writeln!(text, "\nlanguage switches that did not take:");
            for page in &findings.language {
                let _ = writeln!(text, "- {page}");
            }
        }
        if !findings.lesser.is_empty() {
            let _ = writeln!(
                text,
                "\naxe violations of impact minor or moderate (not failing):"
            );
            write_violations(&mut text, &findings.lesser, false);
        }
        let file = self.dir.join("checks.txt");
        std::fs::write(&file, &text)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
        if failing == 0 { Ok(text) } else { Err(text) }
    }
}

/// Collects the page's Content-Security-Policy violations in `window.__e2eBlocked`.
const CSP_RECORDER: &str = "window.__e2eBlocked = []; \
    document.addEventListener('securitypolicyviolation', function (e) { \
      window.__e2eBlocked.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') \
        + ' at ' + e.sourceFile + ':' + e.lineNumber); \
    });";

/// Measures whether the page is wider than the viewport (`arguments[0]` px): `null` when it
/// is not, else the widths and the outermost elements past the right edge that no box of
/// theirs scrolls or clips. A box clips its descendants whose containing blocks lead through
/// it: an absolutely positioned element escapes the boxes between it and its positioned
/// ancestor, a fixed one escapes all.
const WIDTH_CHECK: &str = "const width = arguments[0]; \
    const root = document.documentElement; \
    const limit = Math.min(window.innerWidth, width); \
    if (root.scrollWidth <= limit) { return null; } \
    const clipped = (e) => { \
      let position = getComputedStyle(e).position; \
      for (let a = e.parentElement; a && a !== document.body && a !== root; a = a.parentElement) { \
        if (position === 'fixed') { return false; } \
        const style = getComputedStyle(a); \
        const contains = position !== 'absolute' || style.position !== 'static' \
          || style.transform !== 'none'; \
        if (!contains) { continue; } \
        if (style.overflowX !== 'visible') { return true; } \
        position = style.position; \
      } \
      return false; \
    }; \
    const past = (e) => e.getBoundingClientRect().right > limit + 1 && !clipped(e); \
    const name = (e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') \
      + Array.from(e.classList).map((c) => '.' + c).join(''); \
    const elements = []; \
    for (const e of document.body.querySelectorAll('*')) { \
      if (!past(e)) { continue; } \
      const parent = e.parentElement; \
      if (parent && parent !== document.body && past(parent)) { continue; } \
      const path = []; \
      for (let a = e; a && a !== document.body && path.length < 4; a = a.parentElement) { \
        path.unshift(name(a)); \
      } \
      elements.push(path.join(' > ') + ' (right edge at ' \
        + Math.round(e.getBoundingClientRect().right) + ' px)'); \
      if (elements.length >= 6) { break; } \
    } \
    return {scroll: root.scrollWidth, inner: window.innerWidth, elements: elements};";

/// Runs axe-core with its default rules and those named in `arguments[0]`; gives its
/// violations (rule, impact, help and each failing element's selector and summary), or the
/// error as a string.
const AXE_RUN: &str = "const done = arguments[arguments.length - 1]; \
    const rules = {}; \
    for (const id of arguments[0]) { rules[id] = {enabled: true}; } \
    axe.run(document, {rules: rules, resultTypes: ['violations']}).then((result) => \
      done(result.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help, \
        nodes: v.nodes.map((n) => ({impact: n.impact, \
          target: n.target.map((t) => Array.isArray(t) ? t.join(' >>> ') : t).join(' '), \
          summary: n.failureSummary || ''}))}))), \
      (error) => done('axe.run: ' + error));";

/// An axe failure summary on one line, without its «Fix any of the following» headings.
fn short_summary(summary: &str) -> String {
    let lines: Vec<&str> = summary
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("Fix "))
        .collect();
    let joined = lines.join("; ");
    if joined.chars().count() > 300 {
        let cut: String = joined.chars().take(300).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// One person's browser.
pub struct Browser {
    pub client: Client,
    who: &'static str,
    cdp_url: String,
    http: reqwest::Client,
    shots: Arc<Checks>,
}

/// Polls `check` until it gives a value; fails the test with `what` after [`WAIT`].
pub async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            started.elapsed() < WAIT,
            "timed out after {WAIT:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

impl Browser {
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{}: cannot open {url}: {e}", self.who));
    }

    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("the current URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Waits for an element to be on the page.
    pub async fn find(&self, css: &str) -> Element {
        let client = &self.client;
        eventually(&format!("`{css}` on the {}'s page", self.who), async || {
            client.find(Locator::Css(css)).await.ok()
        })
        .await
    }

    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
    }

    pub async fn has(&self, css: &str) -> bool {
        self.client.find(Locator::Css(css)).await.is_ok()
    }

    /// Replaces a field's text.
    pub async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear a field");
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into `{css}`: {e}"));
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {value} in `{css}`: {e}"));
    }

    pub async fn select_label(&self, css: &str, label: &str) {
        self.find(css)
            .await
            .select_by_label(label)
            .await
            .unwrap_or_else(|e| panic!("choose «{label}» in `{css}`: {e}"));
    }

    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        // Centred first, so that nothing sticky at an edge of the window covers it.
        let argument = serde_json::to_value(&element).expect("an element reference");
        self.client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});",
                vec![argument],
            )
            .await
            .unwrap_or_else(|e| panic!("scroll to `{css}`: {e}"));
        if let Err(e) = element.click().await {
            let viewport = self
                .js("return [innerWidth, innerHeight, scrollY, document.documentElement.clientHeight];")
                .await;
            panic!("click `{css}`: {e} (viewport {viewport})");
        }
    }

    /// Clicks something that loads a new page, and waits until the new page has loaded.
    pub async fn click_and_load(&self, css: &str) {
        self.client
            .execute("window.__e2eOldPage = true;", vec![])
            .await
            .expect("mark the page");
        self.click(css).await;
        self.wait_new_page(css).await;
    }

    /// Waits until the page marked before an action was replaced and the new one loaded.
    async fn wait_new_page(&self, after: &str) {
        let client = &self.client;
        eventually(&format!("a new page after `{after}`"), async || {
            let state = client
                .execute(
                    "return window.__e2eOldPage ? 'old' : document.readyState;",
                    vec![],
                )
                .await
                .ok()?;
            (state == "complete").then_some(())
        })
        .await;
    }

    /// Presses keys one by one on whatever has the focus (like a person on a keyboard).
    pub async fn press(&self, keys: &str) {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for key in keys.chars() {
            actions = actions
                .then(KeyAction::Down { value: key })
                .then(KeyAction::Up { value: key });
        }
        self.client
            .perform_actions(actions)
            .await
            .unwrap_or_else(|e| panic!("{} presses {keys:?}: {e}", self.who));
    }

    /// Presses a key that loads a new page (Enter on a submit button), and waits for it.
    pub async fn press_and_load(&self, keys: &str) {
        self.client
            .execute("window.__e2eOldPage = true;", vec![])
            .await
            .expect("mark the page");
        self.press(keys).await;
        self.wait_new_page(keys).await;
    }

    /// The `id` of the focused element ("" for none).
    pub async fn focused_id(&self) -> String {
        let id = self
            .client
            .execute(
                "return document.activeElement ? document.activeElement.id : '';",
                vec![],
            )
            .await
            .expect("the focused element");
        id.as_str().unwrap_or_default().to_owned()
    }

    pub async fn js(&self, script: &str) -> serde_json::Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("run {script}: {e}"))
    }

    pub async fn source(&self) -> String {
        self.client.source().await.expect("the page source")
    }

    /// The page's visible text.
    pub async fn text(&self) -> String {
        self.find("body").await.text().await.expect("the page text")
    }

    async fn cdp(&self, cmd: &str, params: serde_json::Value) -> serde_json::Value {
        let response = self
            .http
            .post(&self.cdp_url)
            .json(&serde_json::json!({"cmd": cmd, "params": params}))
            .send()
            .await
            .unwrap_or_else(|e| panic!("DevTools {cmd}: {e}"));
        let body: serde_json::Value = response.json().await.expect("a DevTools answer");
        assert!(
            body["value"]["error"].is_null(),
            "DevTools {cmd} failed: {body}"
        );
        body["value"].clone()
    }

    /// Sets the viewport (and the page's layout width) and lets the page lay itself out.
    async fn viewport(&self, width: u32, height: u32, mobile: bool) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            serde_json::json!({
                "width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile
            }),
        )
        .await;
        let _ = self
            .client
            .execute_async(
                "const done = arguments[0]; \
                 requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await;
    }

    /// The page's content size in CSS pixels.
    async fn content_size(&self) -> (f64, f64) {
        let metrics = self
            .cdp("Page.getLayoutMetrics", serde_json::json!({}))
            .await;
        let content = &metrics["cssContentSize"];
        (
            content["width"].as_f64().unwrap_or_default(),
            content["height"].as_f64().unwrap_or_default(),
        )
    }

    /// Checks the page as it is, at 390 px (a phone) and 1280 px (a laptop) wide: saves it
    /// whole as `NN-<name>-<language>-<width>.png`, measures whether it is wider than the
    /// viewport, and runs axe-core on it. What the checks find is kept for [`Checks::report`],
    /// so that one run lists every problem; content blocked by the page's
    /// Content-Security-Policy fails the test at once. The viewport is made as tall as the
    /// page for the picture and for axe, so sticky bars sit where they would with the page
    /// scrolled to the top and every element is on screen.
    pub async fn screenshot(&self, name: &str) {
        let number = self.shots.next.fetch_add(1, Ordering::SeqCst);
        let path = self.path().await;
        self.assert_nothing_blocked(&path).await;
        let lang = self.lang().await;
        self.inject_axe(&path).await;
        for (width, height, mobile) in [(390u32, 844u32, true), (1280, 900, false)] {
            let file_name = format!("{number:02}-{name}-{lang}-{width}.png");
            let view = View {
                path: path.clone(),
                lang: lang.clone(),
                width,
                file: file_name.clone(),
            };
            self.viewport(width, height, mobile).await;
            self.check_width(width, &view.to_string()).await;
            let (_, content_height) = self.content_size().await;
            let tall = (content_height.ceil() as u32).clamp(height, 8_000);
            self.viewport(width, tall, mobile).await;
            let shot = self
                .cdp(
                    "Page.captureScreenshot",
                    serde_json::json!({"format": "png"}),
                )
                .await;
            let png = base64::engine::general_purpose::STANDARD
                .decode(shot["data"].as_str().expect("screenshot data"))
                .expect("base64 screenshot");
            let file = self.shots.dir.join(&file_name);
            std::fs::write(&file, png)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
            self.run_axe(&view).await;
            self.shots.findings.lock().unwrap().views += 1;
        }
        // Back to the working size (clearing the override instead leaves Chromium's idea of
        // the viewport out of step with where clicks land).
        self.viewport(1280, 900, false).await;
    }

    /// Notes the page when it is wider than the viewport of `width` px (it scrolls
    /// sideways), with the outermost elements that reach past the right edge. Content inside
    /// a box that scrolls (or clips) on its own does not count.
    async fn check_width(&self, width: u32, view: &str) {
        let measured = self
            .client
            .execute(WIDTH_CHECK, vec![serde_json::json!(width)])
            .await
            .unwrap_or_else(|e| panic!("measure the width of {view}: {e}"));
        if measured.is_null() {
            return;
        }
        let elements: Vec<String> = measured["elements"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e.as_str().map(str::to_owned))
            .collect();
        // A phone view zooms out to show a page wider than the screen: innerWidth then
        // reads more than the screen's width.
        self.shots.findings.lock().unwrap().overflow.push(format!(
            "{view}: document.documentElement.scrollWidth {} > {width} px (window.innerWidth \
             {}); sticking out: {}",
            measured["scroll"],
            measured["inner"],
            if elements.is_empty() {
                "(no single element found)".to_owned()
            } else {
                elements.join(", ")
            }
        ));
    }

    /// Puts axe-core into the page, unless it is there already.
    async fn inject_axe(&self, path: &str) {
        let present = self.js("return typeof window.axe === 'object';").await;
        if present == true {
            return;
        }
        let script = format!(
            "{}\n;return typeof window.axe === 'object';",
            self.shots.axe
        );
        let injected = self
            .client
            .execute(&script, vec![])
            .await
            .unwrap_or_else(|e| panic!("inject axe-core into {path}: {e}"));
        assert_eq!(injected, true, "axe-core did not load into {path}");
    }

    /// Runs axe-core on the page as laid out now, and keeps its violations.
    async fn run_axe(&self, view: &View) {
        let result = self
            .client
            .execute_async(AXE_RUN, vec![serde_json::json!(AXE_EXTRA_RULES)])
            .await
            .unwrap_or_else(|e| panic!("run axe-core on {view}: {e}"));
        let Some(violations) = result.as_array() else {
            panic!("axe-core failed on {view}: {result}");
        };
        let mut findings = self.shots.findings.lock().unwrap();
        for v in violations {
            let text = |field: &str| v[field].as_str().unwrap_or_default().to_owned();
            let impact = text("impact");
            let nodes = v["nodes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|n| {
                    let field = |name: &str| n[name].as_str().unwrap_or_default().to_owned();
                    (field("target"), short_summary(&field("summary")))
                })
                .collect();
            let failing = matches!(impact.as_str(), "serious" | "critical");
            let violation = Violation {
                rule: text("id"),
                impact,
                help: text("help"),
                view: view.clone(),
                nodes,
            };
            if failing {
                findings.violations.push(violation);
            } else {
                findings.lesser.push(violation);
            }
        }
    }

    /// The language of the page (its `<html lang>`).
    pub async fn lang(&self) -> String {
        let lang = self.js("return document.documentElement.lang || '';").await;
        match lang.as_str() {
            Some(lang) if !lang.is_empty() => lang.to_owned(),
            _ => "no-lang".to_owned(),
        }
    }

    /// Switches the interface language as a person does: with the page's own link to the
    /// language (it goes through `/lang/<code>?next=<this page>` and comes back); on a page
    /// without a visible link, through that same address. A page that does not come back in
    /// that language is kept for the report (and fails the test at the end).
    pub async fn switch_language(&self, code: &str) {
        let path = self.path().await;
        let link = format!("a[href^='/lang/'][hreflang='{code}']");
        let visible = match self.client.find(Locator::Css(&link)).await {
            Ok(element) => element.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        };
        if visible {
            self.click_and_load(&link).await;
        } else {
            let mut url = self.client.current_url().await.expect("the current URL");
            let next: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
            url.set_path(&format!("/lang/{code}"));
            url.set_query(Some(&format!("next={next}")));
            url.set_fragment(None);
            self.goto(url.as_str()).await;
        }
        let now = self.lang().await;
        if now != code {
            let back = self.path().await;
            self.shots.findings.lock().unwrap().language.push(format!(
                "{path}: the {}'s switch to «{code}» came back to {back} in «{now}»",
                self.who
            ));
        }
    }

    /// Fails the test when the page's Content-Security-Policy blocked anything (a script,
    /// a style, media): the page would be broken for real users too.
    pub async fn assert_nothing_blocked(&self, path: &str) {
        let blocked = self.js("return window.__e2eBlocked || [];").await;
        assert_eq!(
            blocked,
            serde_json::json!([]),
            "the {}'s page {path} had content blocked by its Content-Security-Policy",
            self.who
        );
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
