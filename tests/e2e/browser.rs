//! Headless Chromium through chromedriver (W3C WebDriver, with the `fantoccini` client):
//! starting and stopping chromedriver, one browser session per person, polling waits, keyboard
//! input and full-page screenshots at two widths.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
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
    shots: Arc<Screenshots>,
}

impl Driver {
    pub async fn start(shots: Arc<Screenshots>) -> Driver {
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

/// Where the screenshots go, numbered in flow order.
pub struct Screenshots {
    dir: PathBuf,
    next: AtomicU32,
    /// Pages whose content is wider than the viewport (they scroll sideways), for the log.
    pub overflow: std::sync::Mutex<Vec<String>>,
}

impl Screenshots {
    /// `$CARGO_TARGET_DIR/e2e-screenshots/` (or `target/e2e-screenshots/`), emptied of the
    /// previous run's pictures.
    pub fn new() -> Arc<Screenshots> {
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
        Arc::new(Screenshots {
            dir,
            next: AtomicU32::new(1),
            overflow: std::sync::Mutex::new(Vec::new()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

/// One person's browser.
/// Collects the page's Content-Security-Policy violations in `window.__e2eBlocked`.
const CSP_RECORDER: &str = "window.__e2eBlocked = []; \
    document.addEventListener('securitypolicyviolation', function (e) { \
      window.__e2eBlocked.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') \
        + ' at ' + e.sourceFile + ':' + e.lineNumber); \
    });";

pub struct Browser {
    pub client: Client,
    who: &'static str,
    cdp_url: String,
    http: reqwest::Client,
    shots: Arc<Screenshots>,
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

    /// Saves the whole page at 390 px (a phone) and 1280 px (a laptop) wide as
    /// `NN-<name>-390.png` and `NN-<name>-1280.png`. The viewport is made as tall as the page,
    /// so sticky bars sit where they would with the page scrolled to the top.
    pub async fn screenshot(&self, name: &str) {
        let number = self.shots.next.fetch_add(1, Ordering::SeqCst);
        let path = self.path().await;
        self.assert_nothing_blocked(&path).await;
        for (width, height, mobile) in [(390u32, 844u32, true), (1280, 900, false)] {
            self.viewport(width, height, mobile).await;
            let (_, content_height) = self.content_size().await;
            let tall = (content_height.ceil() as u32).clamp(height, 8_000);
            self.viewport(width, tall, mobile).await;
            let (content_width, _) = self.content_size().await;
            if content_width > width as f64 + 1.0 {
                self.shots.overflow.lock().unwrap().push(format!(
                    "{number:02}-{name} ({path}): content is {content_width} px wide at {width} px"
                ));
            }
            let shot = self
                .cdp(
                    "Page.captureScreenshot",
                    serde_json::json!({"format": "png"}),
                )
                .await;
            let png = base64::engine::general_purpose::STANDARD
                .decode(shot["data"].as_str().expect("screenshot data"))
                .expect("base64 screenshot");
            let file = self
                .shots
                .dir
                .join(format!("{number:02}-{name}-{width}.png"));
            std::fs::write(&file, png)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", file.display()));
        }
        // Back to the working size (clearing the override instead leaves Chromium's idea of
        // the viewport out of step with where clicks land).
        self.viewport(1280, 900, false).await;
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
