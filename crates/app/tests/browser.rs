//! The dashboard in a real browser: headless Chromium driven over WebDriver (chromedriver,
//! started here on a free port and stopped afterwards, with every browser it started) against
//! a real `zinc serve` holding the real export in a database of its own.
//!
//! Every page is checked for what it shows against the API, for requests to anywhere but the
//! server (the browser's proxy is a closed port, so any such request fails and would show in
//! the console) and for console errors; a screenshot of each page goes to
//! `target/tmp/dashboard-screenshots/`. Needs `chromium` and `chromium-driver` (Debian): under
//! `cargo nextest run`, `.config/setup-browser` installs them first when it may.

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use zinc_e2e::{Server, Zinc, one_long_sale, real_export_path};
use zinc_testkit::TestDatabase;

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));
const CHROMEDRIVER: &str = "chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// A chromedriver process (in a process group of its own, with the browsers it starts), and a
/// WebDriver session on it. Dropping it stops the whole group.
struct Browser {
    driver: Child,
    driver_url: String,
    client: Client,
    _profile: tempfile::TempDir,
    http: reqwest::Client,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("a free port")
}

impl Browser {
    async fn start() -> Browser {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start {CHROMEDRIVER} ({error}): install the Debian packages chromium and chromium-driver"
                )
            });
        let driver_url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = http
                .get(format!("{driver_url}/status"))
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success());
            if ready.is_some() {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().unwrap();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({
                "binary": CHROMIUM,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
                    "--disable-crash-reporter", "--disable-breakpad",
                    "--hide-scrollbars", "--window-size=1280,900",
                    format!("--user-data-dir={}", profile.path().display()),
                    // Loopback goes direct; anything else goes to a closed port and fails.
                    "--proxy-server=http://127.0.0.1:9",
                ],
            }),
        );
        capabilities.insert("goog:loggingPrefs".to_owned(), json!({ "browser": "ALL" }));
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver_url)
            .await
            .expect("a WebDriver session");
        Browser {
            driver,
            driver_url,
            client,
            _profile: profile,
            http,
        }
    }

    async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("navigate");
    }

    /// Waits up to `limit` for an element at `css`, through the navigations a click or a
    /// script starts: chromedriver answers a find made while a page is being replaced with
    /// "aborted by navigation", which only means "not yet".
    async fn wait_for(&self, css: &str, limit: Duration, what: &str) {
        self.wait_for_text(css, limit, what, |_| true).await;
    }

    /// Waits as [`wait_for`](Browser::wait_for) does until the text of the element at `css`
    /// is one that `accept`s, and gives that text.
    async fn wait_for_text(
        &self,
        css: &str,
        limit: Duration,
        what: &str,
        accept: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let seen = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.map_err(|e| e.to_string()),
                Err(error) => Err(error.to_string()),
            };
            match seen {
                Ok(text) if accept(&text) => return text,
                seen => assert!(Instant::now() < deadline, "{what}: {css}: {seen:?}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn text(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap()
    }

    /// Types `keys` into the element at `css` (a file input takes a path).
    async fn type_into(&self, css: &str, keys: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .send_keys(keys)
            .await
            .unwrap();
    }

    async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap();
    }

    async fn attr(&self, css: &str, name: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .attr(name)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{css} has no {name}"))
    }

    async fn script(&self, source: &str) -> Value {
        self.client.execute(source, vec![]).await.expect("a script")
    }

    /// Presses `key` (the element with the focus gets it).
    async fn press(&self, key: Key) {
        let value = char::from(key);
        let keys = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value })
            .then(KeyAction::Up { value });
        self.client
            .perform_actions(keys)
            .await
            .expect("a key pressed");
    }

    /// Presses Tab until the element at `css` has the focus, at most `limit` times.
    async fn tab_to(&self, css: &str, limit: usize) {
        let focused = format!("return document.activeElement.matches({});", json!(css));
        for _ in 0..limit {
            self.press(Key::Tab).await;
            if self.script(&focused).await == Value::Bool(true) {
                return;
            }
        }
        let at = self
            .script("return document.activeElement.outerHTML.slice(0, 200);")
            .await;
        panic!("{css}: not reached with {limit} presses of Tab (the focus is on {at})");
    }

    /// The role and the name a screen reader announces for the element at `css`, as the
    /// browser computes them (WebDriver's computedrole and computedlabel).
    async fn role_and_name(&self, css: &str) -> (String, String) {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"));
        let session = self.client.session_id().await.unwrap().expect("a session");
        let mut said = Vec::new();
        for what in ["computedrole", "computedlabel"] {
            let answer: Value = self
                .http
                .get(format!(
                    "{}/session/{session}/element/{}/{what}",
                    self.driver_url,
                    element.element_id()
                ))
                .send()
                .await
                .expect("chromedriver")
                .json()
                .await
                .unwrap();
            let value = answer["value"].as_str();
            said.push(
                value
                    .unwrap_or_else(|| panic!("{css}: {what}: {answer}"))
                    .to_owned(),
            );
        }
        let name = said.pop().unwrap();
        (said.pop().unwrap(), name)
    }

    /// The browser's console since the last call (chromedriver's log endpoint).
    async fn console(&self) -> Vec<Value> {
        let session = self.client.session_id().await.unwrap().expect("a session");
        let answer: Value = self
            .http
            .post(format!("{}/session/{session}/se/log", self.driver_url))
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .expect("the browser log")
            .json()
            .await
            .unwrap();
        answer["value"].as_array().cloned().unwrap_or_default()
    }

    /// Checks the page loaded nothing from elsewhere and logged no error; saves a screenshot.
    async fn check_page(&self, server: &Server, name: &str) {
        let origins = self
            .script(
                "return performance.getEntriesByType('resource').map(e => new URL(e.name).origin)
                   .concat([location.origin]);",
            )
            .await;
        for origin in origins.as_array().unwrap() {
            assert_eq!(
                origin.as_str(),
                Some(server.base_url.as_str()),
                "{name}: {origins}"
            );
        }
        let errors: Vec<Value> = self
            .console()
            .await
            .into_iter()
            .filter(|entry| entry["level"] == "SEVERE")
            .collect();
        assert!(errors.is_empty(), "{name}: console errors {errors:#?}");
        let shot = self.client.screenshot().await.expect("a screenshot");
        std::fs::write(screenshots().join(format!("{name}.png")), shot).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver and the browsers it started share its process group.
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.driver.id())])
            .stdin(Stdio::null())
            .status();
        let _ = self.driver.wait();
    }
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("dashboard-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A server holding the real export, on a database of its own.
async fn loaded_server(env: &[(&str, &str)]) -> (Server, TestDatabase) {
    let database = TestDatabase::empty().await;
    let path = real_export_path();
    let server = ZINC.serve(database.url(), &["--import", path.to_str().unwrap()], env);
    (server, database)
}

/// Creates a key with the CLI; its secret (the last line the CLI prints).
fn create_key(database: &TestDatabase, name: &str, scope: &str) -> String {
    let created = ZINC.run(database.url(), &["keys", "create", name, "--scope", scope]);
    assert!(created.status.success(), "{created:?}");
    String::from_utf8(created.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .trim()
        .to_owned()
}

async fn api(server: &Server, path: &str) -> Value {
    let response = reqwest::get(server.url(path)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap_or_else(|_| panic!("a decimal: {text}"))
}

#[tokio::test]
async fn the_overview_shows_the_api_figures_with_one_row_per_day() {
    let (server, _database) = loaded_server(&[]).await;
    let browser = Browser::start().await;
    let ranges = [
        (
            "from=2025-03-01&to=2025-03-31",
            31,
            ("2025-01-29", "2025-02-28"),
        ),
        (
            "from=2025-03-15&to=2025-04-17&location=Online%20Store",
            34,
            ("2025-02-09", "2025-03-14"),
        ),
    ];
    for (query, days, (before_from, before_to)) in ranges {
        browser.goto(&server.url(&format!("/?{query}"))).await;
        let revenue = api(&server, &format!("/api/v1/metrics/revenue?{query}")).await;
        assert_eq!(
            dec(&browser.attr("#tile-revenue data", "value").await),
            dec(revenue["total_revenue"].as_str().unwrap()),
            "{query}"
        );
        assert_eq!(
            browser.attr("#tile-orders data", "value").await,
            revenue["order_count"].to_string(),
            "{query}"
        );
        assert_eq!(
            dec(&browser.attr("#tile-average data", "value").await),
            dec(revenue["average_order_value"].as_str().unwrap())
        );
        // Beside each, the same figure over the days just before, as long.
        assert_eq!(
            (
                browser
                    .attr("#tile-revenue .change time:first-of-type", "datetime")
                    .await,
                browser
                    .attr("#tile-revenue .change time:last-of-type", "datetime")
                    .await,
            ),
            (before_from.to_owned(), before_to.to_owned())
        );
        let before = match query.split_once("&location=") {
            Some((_, at)) => format!("from={before_from}&to={before_to}&location={at}"),
            None => format!("from={before_from}&to={before_to}"),
        };
        let previous = api(&server, &format!("/api/v1/metrics/revenue?{before}")).await;
        let (now, then) = (
            dec(revenue["total_revenue"].as_str().unwrap()),
            dec(previous["total_revenue"].as_str().unwrap()),
        );
        let shown = browser.attr("#tile-revenue data.percent", "value").await;
        // The export starts in March 2025: February has nothing to compare with.
        assert_eq!(then.is_zero(), before_to < "2025-03-01", "{before}");
        if then.is_zero() {
            assert_eq!(shown, "", "{before}");
        } else {
            let expected = ((now - then) / then.abs() * Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
            assert_eq!(dec(&shown), expected, "{before}");
        }
        // One line per location (the one chosen, or both), the table under the chart with
        // one row per day carrying the API's figure for that day at that location.
        let lines: Vec<&str> = if query.contains("location=") {
            vec!["Online Store"]
        } else {
            vec!["Online Store", "Golf - experience"]
        };
        for location in lines {
            let at = location.replace(' ', "%20");
            let only = if query.contains("location=") {
                query.to_owned()
            } else {
                format!("{query}&location={at}")
            };
            let daily = api(&server, &format!("/api/v1/metrics/revenue/daily?{only}")).await;
            let expected: BTreeMap<String, Decimal> = daily["days"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["date"].as_str().unwrap().to_owned(),
                        dec(d["revenue"].as_str().unwrap()),
                    )
                })
                .collect();
            assert_eq!(expected.len(), days);
            assert!(
                expected.values().any(|revenue| !revenue.is_zero()),
                "{location} sold something in {query}"
            );
            let shown = chart_figures(&browser, location).await;
            assert_eq!(shown.len(), days, "one row per day: {location}, {query}");
            let shown: BTreeMap<String, Decimal> = shown.into_iter().collect();
            assert_eq!(shown, expected, "{location}, {query}");
        }
        let top = api(&server, &format!("/api/v1/metrics/products/top?{query}")).await;
        let first = browser
            .script("return document.querySelector('#top-products tbody tr th').textContent;")
            .await;
        assert_eq!(first, top["items"][0]["name"]);
        let name = if query.contains("location=") {
            "overview-one-location"
        } else {
            "overview"
        };
        browser.check_page(&server, name).await;
        browser
            .script("document.querySelector('#daily-heading').scrollIntoView(); return null;")
            .await;
        browser.check_page(&server, &format!("{name}-chart")).await;
    }

    // A phone's width: no horizontal scrolling of the page, the chart keeps its place.
    browser.client.set_window_size(390, 844).await.unwrap();
    browser
        .goto(&server.url("/?from=2025-03-01&to=2025-03-31"))
        .await;
    let widths = browser
        .script("return [document.documentElement.scrollWidth, window.innerWidth, document.querySelector('svg.chart.narrow').getBoundingClientRect().height];")
        .await;
    assert!(
        widths[0].as_f64().unwrap() <= widths[1].as_f64().unwrap(),
        "the page is wider than the screen: {widths}"
    );
    assert!(
        widths[2].as_f64().unwrap() > 80.0,
        "the chart has its height: {widths}"
    );
    browser.check_page(&server, "overview-390px").await;
    browser.client.set_window_size(1280, 900).await.unwrap();

    // The presets end on the latest sale (2025-04-17): last month is March, all of it, and
    // the page it opens shows the API's figures for those days.
    browser.goto(&server.url("/")).await;
    browser
        .client
        .find(Locator::LinkText("Last month"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.query(), Some("from=2025-03-01&to=2025-03-31"), "{url}");
    let march = api(
        &server,
        "/api/v1/metrics/revenue?from=2025-03-01&to=2025-03-31",
    )
    .await;
    assert_eq!(
        dec(&browser.attr("#tile-revenue data", "value").await),
        dec(march["total_revenue"].as_str().unwrap())
    );
    assert_eq!(
        browser.attr("nav.presets a[aria-current]", "href").await,
        "/?from=2025-03-01&to=2025-03-31"
    );

    // A product's sales per month: the API's monthly series, newest month first.
    browser.goto(&server.url("/products/1")).await;
    let series = api(&server, "/api/v1/products/1/sales?interval=month").await;
    let expected: Vec<(String, Decimal)> = series["periods"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|p| {
            (
                p["start"].as_str().unwrap()[..7].to_owned(),
                dec(p["revenue"].as_str().unwrap()),
            )
        })
        .collect();
    let shown = browser
        .script(
            "return [...document.querySelectorAll('#product-months tbody tr')].map(r =>
               [r.querySelector('time').getAttribute('datetime'), r.querySelector('data').getAttribute('value')]);",
        )
        .await;
    let shown: Vec<(String, Decimal)> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_owned(),
                dec(r[1].as_str().unwrap()),
            )
        })
        .collect();
    assert_eq!(shown, expected);

    for (path, name, heading) in [
        ("/orders?from=2025-03-01&to=2025-03-31", "orders", "Orders"),
        ("/orders/1", "order", "Sale"),
        ("/products", "products", "Products"),
        ("/products/1", "product", ""),
        ("/imports", "imports", "Imports"),
    ] {
        browser.goto(&server.url(path)).await;
        let title = browser.text("h1").await;
        assert!(title.starts_with(heading), "{path}: {title}");
        browser.check_page(&server, name).await;
    }
    browser.client.clone().close().await.unwrap();
}

/// The rows of the table under the overview's chart: each period's first day and its
/// revenue at `location`.
async fn chart_figures(browser: &Browser, location: &str) -> Vec<(String, Decimal)> {
    let rows = browser
        .script(&format!(
            "return [...document.querySelectorAll('#chart-figures tbody tr')].map(r =>
               [r.querySelector('th time').getAttribute('datetime'),
                r.querySelector('td[data-location=\"{location}\"] data').getAttribute('value')]);"
        ))
        .await;
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r[0].as_str().unwrap().to_owned(),
                dec(r[1].as_str().unwrap()),
            )
        })
        .collect()
}

/// The API's revenue series of `query` at `location`: each period's first day and revenue.
async fn api_series(server: &Server, query: &str, location: &str) -> Vec<(String, Decimal)> {
    let at = location.replace(' ', "%20");
    let series = api(
        server,
        &format!("/api/v1/metrics/revenue/series?{query}&location={at}"),
    )
    .await;
    series["periods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["start"].as_str().unwrap().to_owned(),
                dec(p["revenue"].as_str().unwrap()),
            )
        })
        .collect()
}

/// An amount as the pages write it: "$1,234.50".
fn dollars(amount: Decimal) -> String {
    let text = format!("{:.2}", amount.abs());
    let (whole, cents) = text.split_once('.').unwrap();
    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    let sign = if amount.is_sign_negative() { "-" } else { "" };
    format!("{sign}${grouped}.{cents}")
}

/// The overview's chart: by week for a year and by day for seven weeks unless the person
/// chooses, labels with their year at least 11 CSS pixels tall, the API's figures per period,
/// and a period's figures said under the chart when its column is tapped; at a desktop's
/// and a phone's width.
#[tokio::test]
async fn the_chart_picks_its_interval_and_reads_at_both_widths() {
    let (server, _database) = loaded_server(&[]).await;
    let browser = Browser::start().await;
    let year = "from=2024-04-18&to=2025-04-17";
    let lines = ["Online Store", "Golf - experience"];
    for (width, height) in [(1366, 850), (390, 844)] {
        browser.client.set_window_size(width, height).await.unwrap();
        for (query, automatic) in [(year, "week"), ("from=2025-03-01&to=2025-04-17", "day")] {
            browser.goto(&server.url(&format!("/?{query}"))).await;
            let interval = browser.attr("#chart-figures", "data-interval").await;
            assert_eq!(interval, automatic, "{width}px, {query}");
            assert_eq!(
                browser.text("#interval option:checked").await,
                format!("Automatic ({automatic})")
            );
            for location in lines {
                assert_eq!(
                    chart_figures(&browser, location).await,
                    api_series(&server, &format!("{query}&interval={automatic}"), location).await,
                    "{width}px, {query}, {location}"
                );
            }
            let facts = browser
                .script(
                    "const shown = [...document.querySelectorAll('svg.chart')]
                         .filter((svg) => svg.getBoundingClientRect().width > 0);
                     const texts = shown.flatMap((svg) => [...svg.querySelectorAll('text')])
                         .filter((t) => t.textContent.trim() !== '');
                     return {
                         drawings: shown.length,
                         widths: shown.map((svg) => svg.getBoundingClientRect().width),
                         viewport: window.innerWidth,
                         smallest: Math.min(...texts.map((t) =>
                             parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)),
                         dates: texts.map((t) => t.textContent.trim()).filter((t) => !/^-?[$]/.test(t)),
                         tooltips: document.querySelectorAll('svg.chart title').length,
                         caption: document.querySelector('figure.chart figcaption').textContent
                             + document.querySelector('figure.chart .readout').textContent,
                     };",
                )
                .await;
            assert_eq!(facts["drawings"], 1, "{width}px: {facts}");
            let smallest = facts["smallest"].as_f64().unwrap();
            assert!(
                smallest >= 11.0,
                "{width}px: labels of {smallest:.1}px: {facts}"
            );
            let dates = facts["dates"].as_array().unwrap();
            assert!(dates.len() >= 2, "{width}px: {facts}");
            for date in dates {
                let date = date.as_str().unwrap();
                let year = date.split_whitespace().any(|word| {
                    word.len() == 4 && word.starts_with("20") && word.parse::<u16>().is_ok()
                });
                assert!(year, "{width}px: {date} has no year");
            }
            assert_eq!(facts["tooltips"], 0, "{width}px: {facts}");
            assert!(
                !facts["caption"].as_str().unwrap().contains("Hover"),
                "{facts}"
            );
            browser
                .check_page(&server, &format!("chart-{automatic}-{width}px"))
                .await;
        }

        // A tap on the week of 10 March 2025 says its figures at both locations.
        browser.goto(&server.url(&format!("/?{year}"))).await;
        let weeks = api_series(&server, &format!("{year}&interval=week"), lines[0]).await;
        let golf = api_series(&server, &format!("{year}&interval=week"), lines[1]).await;
        let index = weeks
            .iter()
            .position(|(start, _)| start == "2025-03-10")
            .unwrap();
        let drawing = if width > 840 { "wide" } else { "narrow" };
        browser
            .click(&format!(
                "svg.chart.{drawing} rect.hit:nth-of-type({})",
                index + 1
            ))
            .await;
        let said = browser.text("figure.chart .readout").await;
        assert!(
            said.starts_with("Week of 10 – 16 Mar 2025: "),
            "{width}px: {said}"
        );
        for (location, revenue) in [(lines[0], weeks[index].1), (lines[1], golf[index].1)] {
            let expected = format!("{location} {}", dollars(revenue));
            assert!(said.contains(&expected), "{width}px: {expected} in {said}");
        }

        // Chosen by the person: by month, as the API's monthly series.
        browser
            .script("document.querySelector('#interval').value = 'month'; return null;")
            .await;
        browser.click("form.range button[type=submit]").await;
        browser
            .wait_for(
                "#chart-figures[data-interval=\"month\"]",
                Duration::from_secs(20),
                "the chart by month",
            )
            .await;
        let url = browser.client.current_url().await.unwrap();
        assert!(url.query().unwrap().contains("interval=month"), "{url}");
        for location in lines {
            let months = api_series(&server, &format!("{year}&interval=month"), location).await;
            assert_eq!(months.len(), 13);
            assert_eq!(
                chart_figures(&browser, location).await,
                months,
                "{location}"
            );
        }
        assert_eq!(browser.text("#daily-heading").await, "Revenue per month");
        // The presets keep the interval chosen.
        let presets = browser
            .script("return [...document.querySelectorAll('nav.presets a')].map((a) => a.getAttribute('href'));")
            .await;
        for href in presets.as_array().unwrap() {
            let href = href.as_str().unwrap();
            assert!(href.ends_with("&interval=month"), "{width}px: {href}");
        }
    }
    browser.client.clone().close().await.unwrap();
}

/// Every page writes a day one way, "5 Dec 2026" (a time of day may follow): no ISO date,
/// no month before its day ("Mar 21, 2025"), no month written in full; at both widths.
#[tokio::test]
async fn every_page_writes_a_date_one_way() {
    let (server, _database) = loaded_server(&[]).await;
    let browser = Browser::start().await;
    let pages = [
        "/?from=2025-03-01&to=2025-03-31",
        "/?from=2024-04-18&to=2025-04-17",
        "/orders?from=2025-03-01&to=2025-03-31",
        "/orders/1",
        "/products",
        "/products/1",
        "/imports",
        "/imports/1",
    ];
    for (width, height) in [(1366, 850), (390, 844)] {
        browser.client.set_window_size(width, height).await.unwrap();
        for path in pages {
            browser.goto(&server.url(path)).await;
            browser
                .wait_for("main h1", Duration::from_secs(20), "the page's heading")
                .await;
            let facts = browser
                .script(
                    r#"const months = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';
                     const text = document.body.innerText;
                     const other = [
                         /\b\d{4}-\d{2}-\d{2}\b/g,
                         new RegExp('\\b(' + months + ')[a-z]* \\d{1,2}\\b', 'g'),
                         /\b(January|February|March|April|June|July|August|September|October|November|December)\b/g,
                     ].flatMap((pattern) => text.match(pattern) || []);
                     const ours = text.match(new RegExp('\\b\\d{1,2} (' + months + ') \\d{4}\\b', 'g')) || [];
                     return { other, ours: ours.length };"#,
                )
                .await;
            assert_eq!(facts["other"], json!([]), "{width}px, {path}: {facts}");
            // At a phone's width, the products' list hides its dates.
            if width > 390 {
                assert!(
                    facts["ours"].as_u64().unwrap() > 0,
                    "{width}px, {path} shows a date: {facts}"
                );
            }
        }
    }
    browser.client.clone().close().await.unwrap();
}

/// A line's rank: a sale (not a refund), its date, Sale ID and place in the sale.
type LineRank = (bool, chrono::NaiveDate, i64, u32);

/// When each product's current price began, read from the real export without Zinc's code:
/// its lines ranked (a sale before a refund, then date, Sale ID, place in the sale), the
/// latest one's price, and going back over lines of the same kind at that price, the day of
/// the earliest.
fn prices_since_in_the_export() -> BTreeMap<String, String> {
    let mut reader = csv::Reader::from_path(real_export_path()).unwrap();
    let headers = reader.headers().unwrap().clone();
    let at = |name: &str| {
        headers
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .unwrap()
    };
    let (date, sale, item, price, quantity) = (
        at("Sale Date"),
        at("Sale ID"),
        at("Item name"),
        at("Item price (excluding tax)"),
        at("Quantity"),
    );
    let mut places: BTreeMap<i64, u32> = BTreeMap::new();
    let mut lines: BTreeMap<String, Vec<(LineRank, Decimal)>> = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        let sale_id: i64 = record[sale].parse().unwrap();
        let place = places.entry(sale_id).or_default();
        *place += 1;
        let day = chrono::NaiveDate::parse_from_str(&record[date], "%m/%d/%Y").unwrap();
        let sold = record[quantity].parse::<i64>().unwrap() >= 0;
        lines
            .entry(record[item].trim().to_owned())
            .or_default()
            .push(((sold, day, sale_id, *place), dec(&record[price])));
    }
    lines
        .into_iter()
        .map(|(name, mut lines)| {
            lines.sort_by_key(|(rank, _)| *rank);
            let (top, top_price) = *lines.last().unwrap();
            let mut since = top.1;
            for (rank, price) in lines.iter().rev().filter(|(rank, _)| rank.0 == top.0) {
                if *price != top_price {
                    break;
                }
                since = rank.1;
            }
            (name, since.to_string())
        })
        .collect()
}

/// "Price since" is the day of the first sale at the current price, not the day of the
/// import: on the products' list (at a desktop's width; a phone's hides it) and on a
/// product's page at both widths.
#[tokio::test]
async fn a_products_price_dates_from_its_first_sale_at_that_price() {
    let expected = prices_since_in_the_export();
    let (server, _database) = loaded_server(&[]).await;
    let browser = Browser::start().await;
    browser.client.set_window_size(1366, 850).await.unwrap();
    let mut seen = 0;
    for offset in [0, 50] {
        browser
            .goto(&server.url(&format!("/products?offset={offset}")))
            .await;
        let rows = browser
            .script(
                "return [...document.querySelectorAll('#products tbody tr')].map(r =>
                   [r.querySelector('th').textContent.trim(), r.querySelector('td:last-child time').getAttribute('datetime')]);",
            )
            .await;
        for row in rows.as_array().unwrap() {
            let name = row[0].as_str().unwrap();
            assert_eq!(
                row[1].as_str(),
                expected.get(name).map(String::as_str),
                "{name}"
            );
            seen += 1;
        }
    }
    assert_eq!(seen, expected.len(), "every product listed");
    let credits = api(&server, "/api/v1/products?q=10%20Practice%20Credits").await;
    let id = credits["items"][0]["id"].as_i64().unwrap();
    for (width, height) in [(1366, 850), (390, 844)] {
        browser.client.set_window_size(width, height).await.unwrap();
        browser.goto(&server.url(&format!("/products/{id}"))).await;
        assert_eq!(
            browser.attr("#product-price-since time", "datetime").await,
            expected["10 Practice Credits"],
            "{width}px"
        );
    }
    browser.client.clone().close().await.unwrap();
}

/// The real export with line 14's location mistyped.
fn file_with_a_bad_row(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(real_export_path()).unwrap();
    let bad: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(index, line)| {
            if index == 13 {
                line.replace("Golf - experience", "Gym")
                    .replace("Online Store", "Gym")
            } else {
                line.to_owned()
            }
        })
        .collect();
    let path = dir.join("bad-rows.csv");
    std::fs::write(&path, bad.join("\n")).unwrap();
    path
}

async fn upload_in_browser(
    browser: &Browser,
    server: &Server,
    file: &Path,
    button: &str,
) -> String {
    browser.goto(&server.url("/imports")).await;
    browser.type_into("#file", file.to_str().unwrap()).await;
    browser
        .click(&format!("#upload-form button[formaction='{button}']"))
        .await;
    browser
        .wait_for(
            "#import-report",
            Duration::from_secs(60),
            "the import's report",
        )
        .await;
    browser.text("#import-result").await
}

#[tokio::test]
async fn uploading_a_file_with_bad_rows_shows_its_problems_and_writes_nothing() {
    let (server, _database) = loaded_server(&[]).await;
    let before = api(&server, "/api/v1/metrics/revenue").await;
    let browser = Browser::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = file_with_a_bad_row(dir.path());
    let shown = upload_in_browser(&browser, &server, &bad, "/imports").await;
    assert!(
        shown.contains("Rejected: the file has problems; nothing was written."),
        "{shown}"
    );
    let problem = browser.text("#import-problems tbody tr").await;
    assert!(
        problem.contains("14") && problem.contains("Location") && problem.contains("Gym"),
        "{problem}"
    );
    assert_eq!(
        api(&server, "/api/v1/metrics/revenue").await,
        before,
        "nothing written"
    );
    let history = browser.text("#import-history tbody tr").await;
    assert!(history.contains("Rejected"), "{history}");
    browser.check_page(&server, "imports-rejected").await;
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn importing_the_valid_sales_only_reads_as_partial_at_both_widths() {
    let (server, _database) = loaded_server(&[]).await;
    let browser = Browser::start().await;
    let dir = tempfile::tempdir().unwrap();
    let bad = file_with_a_bad_row(dir.path());
    for (width, height) in [(1366, 850), (390, 844)] {
        browser.client.set_window_size(width, height).await.unwrap();
        let shown = upload_in_browser(&browser, &server, &bad, "/imports?skip_invalid=true").await;
        assert!(
            shown.contains("Partly imported: 1 sale ("),
            "{width}px: {shown}"
        );
        assert!(
            shown.contains(
                "rejected and not written; the other sales were already stored as in the file."
            ),
            "{width}px: {shown}"
        );
        assert!(!shown.contains("every sale was already stored"), "{shown}");
        let link = browser.attr("#report-rejected", "href").await;
        assert!(link.ends_with("/rejected.csv"), "{link}");
        let history = browser.text("#import-history tbody tr").await;
        assert!(history.contains("Partly imported"), "{width}px: {history}");
        let fits = browser
            .script("return document.documentElement.scrollWidth <= window.innerWidth;")
            .await;
        assert_eq!(
            fits,
            Value::Bool(true),
            "{width}px: the page is wider than the screen"
        );
        browser
            .check_page(&server, &format!("imports-partial-{width}px"))
            .await;
    }
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_file_over_the_limit_is_refused_before_it_is_uploaded() {
    let (server, _database) = loaded_server(&[("ZINC_MAX_UPLOAD_BYTES", "100000")]).await;
    let browser = Browser::start().await;
    browser.goto(&server.url("/imports")).await;
    let label = browser.text("label[for='file']").await;
    assert!(label.ends_with("up to 97.7 KiB"), "{label}");
    browser
        .type_into(
            "#file",
            real_export_path().canonicalize().unwrap().to_str().unwrap(),
        )
        .await;
    let said = browser.text("#upload-status").await;
    assert_eq!(
        said,
        "zinc-sales.csv is larger than the 97.7 KiB this server takes. \
         Split it (by month, say) and upload each part."
    );
    browser
        .click("#upload-form button[formaction='/imports']")
        .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let uploads = browser
        .script("return [document.getElementById('import-report') === null, document.getElementById('upload-progress').hidden];")
        .await;
    assert_eq!(uploads, json!([true, true]), "nothing was sent");
    let history = api(&server, "/api/v1/imports").await;
    assert_eq!(
        history["total"], 1,
        "only the import of the start: {history}"
    );
    browser.check_page(&server, "imports-too-large").await;
    browser.client.clone().close().await.unwrap();
}

/// WCAG's contrast ratio of two CSS `rgb(...)` colours, computed in the page.
const CONTRAST: &str = "
    const rgb = (text) => text.match(/\\d+(\\.\\d+)?/g).slice(0, 3).map(Number);
    const luminance = (text) => {
        const [r, g, b] = rgb(text).map((v) => {
            v /= 255;
            return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const contrast = (a, b) => {
        const [high, low] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return (high + 0.05) / (low + 0.05);
    };
";

#[tokio::test]
async fn the_focus_ring_stands_out_and_disabled_buttons_look_disabled() {
    let (server, _database) = loaded_server(&[]).await;
    let browser = Browser::start().await;
    browser.goto(&server.url("/imports")).await;
    // Keyboard focus (Tab) on the first link of the page's navigation and on a button.
    let facts = browser
        .script(&format!(
            "{CONTRAST}
            const ring = (element) => {{ element.focus(); return getComputedStyle(element).outlineColor; }};
            const onHeader = ring(document.querySelector('header.top nav a'));
            const onPanel = ring(document.querySelector('#upload-form button'));
            const header = getComputedStyle(document.querySelector('header.top')).backgroundColor;
            const panel = getComputedStyle(document.querySelector('#upload-form')).backgroundColor;
            const page = getComputedStyle(document.body).backgroundColor;
            const button = document.querySelector('#upload-form button');
            const enabled = getComputedStyle(button);
            const before = [enabled.backgroundColor, enabled.color];
            button.disabled = true;
            const disabled = getComputedStyle(button);
            return {{
                header: contrast(onHeader, header),
                panel: contrast(onPanel, panel),
                page: contrast(onPanel, page === 'rgba(0, 0, 0, 0)' ? 'rgb(255, 255, 255)' : page),
                disabledLooksDifferent: before[0] !== disabled.backgroundColor || before[1] !== disabled.color,
                cursor: disabled.cursor,
            }};"
        ))
        .await;
    for place in ["header", "panel", "page"] {
        let ratio = facts[place].as_f64().unwrap();
        assert!(
            ratio >= 3.0,
            "focus ring against the {place}: {ratio:.2}:1 ({facts})"
        );
    }
    assert_eq!(
        facts["disabledLooksDifferent"],
        Value::Bool(true),
        "{facts}"
    );
    assert_eq!(facts["cursor"], "not-allowed", "{facts}");
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn an_empty_database_invites_the_first_import() {
    let database = TestDatabase::empty().await;
    let server = ZINC.serve(database.url(), &[], &[]);
    let browser = Browser::start().await;
    browser.goto(&server.url("/")).await;
    let prompt = browser.text("#first-import").await;
    assert!(prompt.contains("No sales yet"), "{prompt}");
    let link = browser.attr("#first-import a", "href").await;
    assert!(link.ends_with("/imports"), "{link}");
    browser.check_page(&server, "overview-empty").await;
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_long_order_pages_its_items_and_shows_the_whole_orders_totals() {
    // Three pages of the dashboard's 50 items.
    const LINES: usize = 120;
    let database = TestDatabase::empty().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.csv");
    let total = one_long_sale(LINES, &file);
    let server = ZINC.serve(database.url(), &["--import", file.to_str().unwrap()], &[]);
    let found = api(&server, "/api/v1/orders?sale_id=77").await;
    let id = &found["items"][0]["id"];
    let browser = Browser::start().await;
    browser.goto(&server.url(&format!("/orders/{id}"))).await;
    let whole = dollars(total);
    assert_eq!(browser.text("#order-total").await, whole);
    assert_eq!(browser.text("#order-item-count").await, "120");
    let headings = [
        "Items 1–50 of 120",
        "Items 51–100 of 120",
        "Items 101–120 of 120",
    ];
    for (page, heading) in headings.iter().enumerate() {
        let shown = browser
            .wait_for_text(
                "#items-heading",
                Duration::from_secs(10),
                "the page's heading",
                |text| text == *heading,
            )
            .await;
        assert_eq!(shown, *heading);
        let first = browser.text("#order-items tbody tr td").await;
        assert_eq!(
            first,
            (page * 50 + 1).to_string(),
            "the page's first position"
        );
        let rows = browser
            .script("return document.querySelectorAll('#order-items tbody tr').length;")
            .await;
        assert_eq!(rows, json!(if page < 2 { 50 } else { 20 }));
        assert_eq!(
            browser.text("#order-total").await,
            whole,
            "the whole order's total on every page"
        );
        if page == 0 {
            browser.check_page(&server, "order-long").await;
        }
        if page < 2 {
            browser.click("nav.pager a[rel=next]").await;
        }
    }
    let next = browser
        .script("return document.querySelectorAll('nav.pager a[rel=next]').length;")
        .await;
    assert_eq!(next, json!(0), "no next page after the last");
    browser.click("nav.pager a[rel=prev]").await;
    browser
        .wait_for_text(
            "#items-heading",
            Duration::from_secs(10),
            "the previous page",
            |text| text == headings[1],
        )
        .await;
    browser.client.clone().close().await.unwrap();
}

/// Whether everything the overview and the imports page show fits, at a desktop's and a
/// phone's width: the figures of a year of 200,000 rows in their tiles, every column of
/// the best sellers and of the import history, the file input inside its drop zone.
#[tokio::test]
async fn pages_fit_their_content_at_a_desktop_and_a_phone_width() {
    let (server, _database) = loaded_server(&[]).await;
    let browser = Browser::start().await;
    for (width, height) in [(1366, 850), (390, 844)] {
        browser.client.set_window_size(width, height).await.unwrap();
        browser
            .goto(&server.url("/?from=2025-03-01&to=2025-03-31"))
            .await;
        // A year of 200,000 rows: $24,774,493.47 of revenue, 160,000 orders.
        let overflowing = browser
            .script(
                "document.querySelector('#tile-revenue .figure data').textContent = '$24,774,493.47';
                 document.querySelector('#tile-orders .figure data, #tile-orders .figure').textContent = '160,000';
                 const over = (e) => e.scrollWidth > e.clientWidth + 1;
                 return [...document.querySelectorAll('.tile, .tile .figure, section.panel')]
                     .filter(over).map((e) => e.id || e.className || e.tagName);",
            )
            .await;
        assert_eq!(overflowing, json!([]), "{width}px: overview overflows");
        browser.goto(&server.url("/imports")).await;
        let overflowing = browser
            .script(
                "const over = (e) => e.scrollWidth > e.clientWidth + 1;
                 const zone = document.querySelector('.dropzone').getBoundingClientRect();
                 const input = document.querySelector('#file').getBoundingClientRect();
                 const found = [...document.querySelectorAll('section.panel, form.panel')]
                     .filter(over).map((e) => e.id || e.getAttribute('aria-labelledby'));
                 if (input.right > zone.right || input.left < zone.left) { found.push('file input'); }
                 return found;",
            )
            .await;
        assert_eq!(overflowing, json!([]), "{width}px: imports page overflows");
        browser
            .check_page(&server, &format!("layout-imports-{width}px"))
            .await;
    }
    browser.client.clone().close().await.unwrap();
}

/// The real export with sale 3971 paid in cash instead of by card.
fn file_with_a_changed_sale(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(real_export_path()).unwrap();
    let changed: Vec<String> = text
        .lines()
        .map(|line| {
            if line.contains(",3971,") {
                line.replace("Credit card (AMEX-Keyed)", "Cash")
            } else {
                line.to_owned()
            }
        })
        .collect();
    let path = dir.join("changed-sale.csv");
    std::fs::write(&path, changed.join("\n")).unwrap();
    path
}

#[tokio::test]
async fn a_check_names_the_sales_it_would_replace_and_keeps_the_file_for_import() {
    let (server, _database) = loaded_server(&[]).await;
    let browser = Browser::start().await;
    let dir = tempfile::tempdir().unwrap();
    let changed = file_with_a_changed_sale(dir.path());
    let shown = upload_in_browser(&browser, &server, &changed, "/imports?dry_run=true").await;
    assert!(shown.contains("Check passed"), "{shown}");
    let replaced = browser.text("#report-replaced").await;
    assert_eq!(replaced, "Sale ID 3971", "{shown}");
    assert!(shown.contains("Would replace"), "{shown}");
    // The file is still chosen: importing it now needs one click.
    let chosen = browser.text("#file-chosen").await;
    assert!(chosen.contains("changed-sale.csv"), "{chosen}");
    browser
        .click("#upload-form button[formaction='/imports']")
        .await;
    let imported = browser
        .wait_for_text(
            "#import-result",
            Duration::from_secs(60),
            "an import after the check",
            |text| text.contains("Imported."),
        )
        .await;
    assert!(
        imported.contains("0 created, 1 updated, 1,407 unchanged"),
        "{imported}"
    );
    assert_eq!(browser.text("#report-replaced").await, "Sale ID 3971");
    browser
        .check_page(&server, "imports-checked-then-imported")
        .await;
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_key_revoked_mid_session_signs_the_page_out_and_says_why() {
    let database = TestDatabase::empty().await;
    let secret = create_key(&database, "ux-writer", "write");
    let server = ZINC.serve(database.url(), &[], &[]);
    let browser = Browser::start().await;
    browser.goto(&server.url("/imports")).await;
    browser.type_into("#key", &secret).await;
    browser.click("form.signin button").await;
    browser
        .wait_for(
            "#upload-form",
            Duration::from_secs(30),
            "on the imports page",
        )
        .await;
    assert!(browser.text("form.signout").await.contains("ux-writer"));

    let revoked = ZINC.run(database.url(), &["keys", "revoke", "ux-writer"]);
    assert!(revoked.status.success(), "{revoked:?}");
    // Revocation reaches the server within 1 s.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let dir = tempfile::tempdir().unwrap();
    let file = file_with_a_bad_row(dir.path());
    browser.type_into("#file", file.to_str().unwrap()).await;
    browser
        .click("#upload-form button[formaction='/imports']")
        .await;
    browser
        .wait_for(
            "#signed-out",
            Duration::from_secs(30),
            "a notice saying why the page asks to sign in again",
        )
        .await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/sign-in", "the whole page went to sign in");
    let why = browser.text("#signed-out").await;
    assert!(why.contains("no longer valid"), "{why}");
    let header = browser.text("header.top").await;
    assert!(!header.contains("Signed in"), "{header}");
    browser
        .check_page(&server, "sign-in-after-revocation")
        .await;
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn an_export_uploaded_again_changes_nothing() {
    let (server, _database) = loaded_server(&[]).await;
    let exported = reqwest::get(server.url("/exports/sales.csv"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zinc-sales-export.csv");
    std::fs::write(&path, &exported).unwrap();
    let browser = Browser::start().await;
    let shown = upload_in_browser(&browser, &server, &path, "/imports").await;
    assert!(
        shown.contains("Imported: every sale was already stored as in the file; nothing changed."),
        "{shown}"
    );
    let orders = browser.text("#report-orders").await;
    assert_eq!(orders, "0 created, 0 updated, 1,408 unchanged");
    browser.check_page(&server, "imports-unchanged").await;
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn with_keys_the_dashboard_signs_in_and_a_read_key_cannot_upload() {
    let database = TestDatabase::empty().await;
    let secret = create_key(&database, "viewer", "read");
    let server = ZINC.serve(database.url(), &[], &[]);
    let browser = Browser::start().await;
    browser.goto(&server.url("/orders")).await;
    let url = browser.client.current_url().await.unwrap();
    assert_eq!(url.path(), "/sign-in");
    browser.check_page(&server, "sign-in").await;
    browser.type_into("#key", &secret).await;
    browser.click("form.signin button").await;
    browser
        .wait_for(
            "#orders-heading",
            Duration::from_secs(30),
            "back on the orders page",
        )
        .await;
    assert!(browser.text("form.signout").await.contains("viewer"));
    let cookies = browser.script("return document.cookie;").await;
    assert_eq!(cookies, json!(""), "the session's cookie is HttpOnly");
    let session = browser
        .client
        .get_named_cookie("zinc_session")
        .await
        .expect("the session's cookie");
    let copied = format!("zinc_session={}", session.value());
    assert!(
        !copied.contains(&secret["zinc_".len()..]),
        "the key is not in the cookie: {copied}"
    );
    let source = browser.client.source().await.unwrap();
    assert!(!source.contains(&secret), "the key is not in the page");
    browser.goto(&server.url("/imports")).await;
    assert!(
        browser
            .text("main")
            .await
            .contains("uploading files needs a write key")
    );
    // The API still wants the key itself.
    let api = reqwest::get(server.url("/api/v1/orders")).await.unwrap();
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    // Uploading anyway (a form sent by hand) is refused.
    let form = Form::new().part("file", Part::bytes(b"x".to_vec()).file_name("x.csv"));
    let refused = reqwest::Client::new()
        .post(server.url("/imports"))
        .header("Origin", server.base_url.as_str())
        .header("Cookie", &copied)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // Signing out ends the session: the copied cookie opens nothing any more.
    browser.click("form.signout button").await;
    browser
        .wait_for("form.signin", Duration::from_secs(30), "the sign-in page")
        .await;
    let after = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(server.url("/orders"))
        .header("Cookie", &copied)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    browser.client.clone().close().await.unwrap();
}

/// Sale 3971 as the API serves it: the order, with its items.
async fn sale_3971(server: &Server) -> Value {
    let found = api(server, "/api/v1/orders?sale_id=3971").await;
    assert_eq!(found["items"].as_array().map(Vec::len), Some(1), "{found}");
    let id = &found["items"][0]["id"];
    api(server, &format!("/api/v1/orders/{id}")).await
}

/// Whether the page is no wider than the window.
async fn fits(browser: &Browser) -> bool {
    let fits = browser
        .script("return document.documentElement.scrollWidth <= window.innerWidth;")
        .await;
    fits == Value::Bool(true)
}

#[tokio::test]
async fn reverting_a_correction_from_its_page_puts_the_sale_back_and_records_it() {
    let (server, _database) = loaded_server(&[]).await;
    let original = sale_3971(&server).await;
    let browser = Browser::start().await;
    let dir = tempfile::tempdir().unwrap();
    let changed = file_with_a_changed_sale(dir.path());
    let shown = upload_in_browser(&browser, &server, &changed, "/imports").await;
    assert!(shown.contains("Import #2"), "{shown}");
    assert_eq!(sale_3971(&server).await["payment_method"], "Cash");

    browser.goto(&server.url("/imports/2")).await;
    browser.click("#revert-form button").await;
    let plan = browser
        .wait_for_text(
            "#revert-plan",
            Duration::from_secs(30),
            "what the revert would change",
            |_| true,
        )
        .await;
    assert_eq!(
        plan,
        "1 sale would be put back as it was, 0 sales would be removed; \
         0 product prices would be put back, 0 products would be removed."
    );
    assert_eq!(browser.text("#revert-sales").await, "Sale ID 3971");
    let link = browser.attr("#revert-sales a", "href").await;
    assert!(link.ends_with("/orders?sale_id=3971"), "{link}");
    assert_eq!(
        sale_3971(&server).await["payment_method"],
        "Cash",
        "a check changes nothing"
    );
    assert_eq!(api(&server, "/api/v1/imports").await["total"], 2);
    browser.check_page(&server, "revert-check").await;

    assert_eq!(
        browser.text("#revert-form button").await,
        "Revert import #2"
    );
    browser.click("#revert-form button").await;
    let done = browser
        .wait_for_text(
            "#revert-done",
            Duration::from_secs(30),
            "the revert's record",
            |_| true,
        )
        .await;
    assert!(done.contains("recorded as import #3"), "{done}");
    assert_eq!(
        browser.text("#revert-plan").await,
        "1 sale put back as it was, 0 sales removed; 0 product prices put back, 0 products removed."
    );
    assert_eq!(
        sale_3971(&server).await,
        original,
        "the sale as it was before the correction, ids and all"
    );
    browser.check_page(&server, "revert-done").await;

    browser.click("#revert-done a").await;
    browser
        .wait_for_text(
            "#import-report",
            Duration::from_secs(30),
            "the revert's own page",
            |text| text.contains("Reverted import #2"),
        )
        .await;
    assert!(
        browser
            .client
            .current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/imports/3")
    );
    // The revert's record reads as a revert, not as an upload of a file.
    assert_eq!(
        browser.text("#import-report h2").await,
        "Reverted import #2"
    );
    let record = browser.text("#import-report").await;
    assert!(
        record.contains("1 put back as it was, 0 removed"),
        "{record}"
    );
    assert!(record.contains("0 prices put back, 0 removed"), "{record}");
    for upload_words in ["read", "in the file", "Imported"] {
        assert!(
            !record.contains(upload_words),
            "{upload_words:?} in {record}"
        );
    }
    let link = browser.attr("#report-reverts a", "href").await;
    assert!(link.ends_with("/imports/2"), "{link}");
    let hint = browser.text("p.hint").await;
    assert!(
        !hint.contains("importing every sale") && !hint.contains("uploaded"),
        "{hint}"
    );
    browser.check_page(&server, "revert-record").await;
    browser.goto(&server.url("/imports")).await;
    let newest = browser.text("#import-history tbody tr").await;
    assert!(
        newest.starts_with("3") && newest.contains("revert of import 2"),
        "{newest}"
    );
    assert_eq!(
        browser
            .text("#import-history tbody tr td:nth-child(3)")
            .await,
        "Revert of #2"
    );
    let source = browser
        .text("#import-history tbody tr td:nth-child(4)")
        .await;
    assert_ne!(source, "Upload", "a revert uploads no file");
    assert_eq!(
        browser
            .text("#import-history tbody tr:nth-child(2) td:nth-child(3)")
            .await,
        "Reverted by #3"
    );
    browser.check_page(&server, "revert-history").await;

    // Once reverted, the import's page names its revert instead of offering a check.
    browser.goto(&server.url("/imports/2")).await;
    assert_eq!(browser.text("#reverted-by").await, "Reverted by import #3.");
    let link = browser.attr("#reverted-by a", "href").await;
    assert!(link.ends_with("/imports/3"), "{link}");
    let forms = browser
        .script("return document.querySelectorAll('#revert-form').length;")
        .await;
    assert_eq!(
        forms,
        Value::from(0),
        "no check for an import reverted already"
    );

    // The API's record says the same.
    let revert = api(&server, "/api/v1/imports/3").await;
    assert_eq!(revert["reverts"], 2, "{revert}");
    assert_eq!(revert["reverted_by"], Value::Null, "{revert}");
    assert_eq!(revert["orders_updated"], 1, "sales put back: {revert}");
    assert_eq!(revert["orders_removed"], 0, "{revert}");
    let reverted = api(&server, "/api/v1/imports/2").await;
    assert_eq!(reverted["reverted_by"], 3, "{reverted}");
    assert_eq!(reverted["reverts"], Value::Null, "{reverted}");
    assert_eq!(sale_3971(&server).await, original);
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_revert_overtaken_by_a_later_import_is_refused_and_names_it_at_both_widths() {
    let database = TestDatabase::empty().await;
    let secret = create_key(&database, "reverter", "write");
    let path = real_export_path();
    let server = ZINC.serve(database.url(), &["--import", path.to_str().unwrap()], &[]);
    let browser = Browser::start().await;
    browser.goto(&server.url("/imports/1")).await;
    browser.type_into("#key", &secret).await;
    browser.click("form.signin button").await;
    browser
        .wait_for("#revert-form", Duration::from_secs(30), "import 1's page")
        .await;
    browser.click("#revert-form button").await;
    let plan = browser
        .wait_for_text(
            "#revert-plan",
            Duration::from_secs(30),
            "what reverting import 1 would change",
            |_| true,
        )
        .await;
    assert!(plan.starts_with("0 sales would be put back"), "{plan}");

    // While the page waits for its confirmation, a correction of sale 3971 alone comes in.
    let dir = tempfile::tempdir().unwrap();
    let changed = std::fs::read_to_string(file_with_a_changed_sale(dir.path())).unwrap();
    let header = changed.lines().next().unwrap();
    let sale: Vec<&str> = changed.lines().filter(|l| l.contains(",3971,")).collect();
    let correction = format!("{header}\n{}\n", sale.join("\n"));
    let client = reqwest::Client::new();
    let form = Form::new().part(
        "file",
        Part::bytes(correction.into_bytes()).file_name("sale-3971.csv"),
    );
    let imported = client
        .post(server.url("/api/v1/imports"))
        .bearer_auth(&secret)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::CREATED);
    let authorized = |path: &str| {
        let request = client.get(server.url(path)).bearer_auth(&secret).send();
        async move {
            let response = request.await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.unwrap()
        }
    };
    let found = authorized("/api/v1/orders?sale_id=3971").await;
    let order = format!("/api/v1/orders/{}", found["items"][0]["id"]);
    let corrected = authorized(&order).await;
    assert_eq!(corrected["payment_method"], "Cash");
    let revenue = authorized("/api/v1/metrics/revenue").await;

    browser.click("#revert-form button").await;
    let refused = browser
        .wait_for_text(
            "#revert-refused",
            Duration::from_secs(30),
            "the refusal",
            |_| true,
        )
        .await;
    assert_eq!(
        refused,
        "Later imports changed 1 of the sales import 1 wrote; revert them first, \
         newest first (#2), then import 1. Nothing was changed."
    );
    assert_eq!(browser.attr("#revert-refusal", "role").await, "alert");
    assert_eq!(
        browser.text("#revert-refusal h2").await,
        "Later imports changed the same sales"
    );
    let conflict = browser.text("#revert-conflicts li").await;
    assert_eq!(conflict, "Sale 3971 changed since by import #2");
    let links = browser
        .script(
            "return [...document.querySelectorAll('#revert-conflicts li a')]
                 .map((a) => new URL(a.href).pathname + new URL(a.href).search);",
        )
        .await;
    assert_eq!(links, json!(["/orders?sale_id=3971", "/imports/2"]));
    let confirm = browser
        .script("return document.querySelectorAll('#revert-form').length;")
        .await;
    assert_eq!(confirm, json!(0), "nothing to confirm");

    assert_eq!(authorized(&order).await, corrected, "the sale as corrected");
    assert_eq!(authorized("/api/v1/metrics/revenue").await, revenue);
    let history = authorized("/api/v1/imports").await;
    assert_eq!(history["total"], 2, "no revert recorded: {history}");

    for (width, height) in [(1366, 850), (390, 844)] {
        browser.client.set_window_size(width, height).await.unwrap();
        assert!(
            fits(&browser).await,
            "{width}px: the page is wider than the screen"
        );
        browser
            .check_page(&server, &format!("revert-refused-{width}px"))
            .await;
    }
    browser.client.clone().close().await.unwrap();
}

#[tokio::test]
async fn a_revert_is_checked_and_confirmed_with_the_keyboard_alone() {
    let (server, _database) = loaded_server(&[]).await;
    let dir = tempfile::tempdir().unwrap();
    let changed = std::fs::read(file_with_a_changed_sale(dir.path())).unwrap();
    let form = Form::new().part("file", Part::bytes(changed).file_name("changed-sale.csv"));
    let imported = reqwest::Client::new()
        .post(server.url("/api/v1/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(imported.status(), StatusCode::CREATED);
    let browser = Browser::start().await;
    browser.goto(&server.url("/imports/2")).await;
    let check = "#revert-form button";
    assert_eq!(
        browser.role_and_name(check).await,
        (
            "button".to_owned(),
            "Check what reverting this import would change".to_owned()
        )
    );
    browser.tab_to(check, 40).await;
    browser.press(Key::Enter).await;
    browser
        .wait_for("#revert-plan", Duration::from_secs(30), "the check's plan")
        .await;
    let confirm = "#revert-form button";
    assert_eq!(
        browser.role_and_name(confirm).await,
        ("button".to_owned(), "Revert import #2".to_owned())
    );
    browser.tab_to(confirm, 40).await;
    browser.press(Key::Enter).await;
    let done = browser
        .wait_for_text(
            "#revert-done",
            Duration::from_secs(30),
            "the revert done",
            |_| true,
        )
        .await;
    assert!(done.contains("recorded as import #3"), "{done}");
    let payment = sale_3971(&server).await["payment_method"].clone();
    assert_eq!(payment, "Credit card (AMEX-Keyed)");
    browser.client.clone().close().await.unwrap();
}
