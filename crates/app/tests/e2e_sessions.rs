//! The dashboard's sign-in end to end: a session of its own in the cookie (never the key),
//! ended for every copy of the cookie by signing out, and by revoking its key.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use zinc_e2e::{Server, Zinc};
use zinc_testkit::TestDatabase;

const ZINC: Zinc = Zinc::at(env!("CARGO_BIN_EXE_zinc"));

/// Creates a key; returns the secret printed on the last line.
fn create_key(database: &TestDatabase, name: &str, scope: &str) -> String {
    let output = ZINC.run(database.url(), &["keys", "create", name, "--scope", scope]);
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.lines().last().unwrap().to_owned()
}

/// A client that shows redirects instead of following them, and keeps no cookies.
fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// Signs in with `key`; returns the whole `Set-Cookie` header of the session cookie.
async fn sign_in(server: &Server, key: &str) -> String {
    let response = client()
        .post(server.url("/sign-in"))
        .header("Origin", server.base_url.as_str())
        .form(&[("key", key), ("next", "/orders")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.starts_with("zinc_session="))
        .expect("a session cookie")
}

/// The `name=value` part of a `Set-Cookie` header, as a browser sends it back.
fn pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap()
}

async fn orders_page(server: &Server, cookie: &str) -> Response {
    client()
        .get(server.url("/orders"))
        .header(COOKIE, cookie)
        .send()
        .await
        .unwrap()
}

/// Whether `response` sends the browser to sign in again, its session refused.
fn signed_out(response: &Response) -> bool {
    response.status() == StatusCode::SEE_OTHER
        && response.headers().get(LOCATION).is_some_and(|to| {
            let to = to.to_str().unwrap();
            to.starts_with("/sign-in") && to.contains("signed_out=true")
        })
}

#[tokio::test]
async fn a_copied_session_cookie_stops_working_after_sign_out() {
    let database = TestDatabase::empty().await;
    let key = create_key(&database, "dashboard", "read");
    let server = ZINC.serve(database.url(), &[], &[("ZINC_SESSION_TTL", "600")]);

    let set_cookie = sign_in(&server, &key).await;
    assert!(set_cookie.contains("Max-Age=600"), "{set_cookie}");
    let cookie = pair(&set_cookie).to_owned();
    assert!(
        !cookie.contains(&key["zinc_".len()..]),
        "the key is not in the cookie: {cookie}"
    );
    let copied = cookie.clone();
    assert_eq!(orders_page(&server, &cookie).await.status(), StatusCode::OK);
    assert_eq!(orders_page(&server, &copied).await.status(), StatusCode::OK);

    let out = client()
        .post(server.url("/sign-out"))
        .header("Origin", server.base_url.as_str())
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let page = orders_page(&server, &copied).await;
    assert!(signed_out(&page), "{page:?}");

    // Signing in again opens another session; the key itself still opens the API.
    let again = pair(&sign_in(&server, &key).await).to_owned();
    assert_ne!(again, cookie);
    assert_eq!(orders_page(&server, &again).await.status(), StatusCode::OK);
    assert!(signed_out(&orders_page(&server, &copied).await));
}

#[tokio::test]
async fn revoking_a_key_ends_its_dashboard_sessions_at_once() {
    let database = TestDatabase::empty().await;
    let key = create_key(&database, "dashboard", "read");
    // Another key stays active: the dashboard is not open once this one is revoked.
    create_key(&database, "uploads", "write");
    let server = ZINC.serve(database.url(), &[], &[]);
    let cookie = pair(&sign_in(&server, &key).await).to_owned();
    assert_eq!(orders_page(&server, &cookie).await.status(), StatusCode::OK);

    let revoked = ZINC.run(database.url(), &["keys", "revoke", "dashboard"]);
    assert!(revoked.status.success(), "{revoked:?}");
    let page = orders_page(&server, &cookie).await;
    assert!(signed_out(&page), "{page:?}");
}
