//! Nagle's algorithm off on every pooled connection.
//!
//! sqlx 0.9.0 leaves Nagle's algorithm on for TCP connections (set again upstream in
//! transact-rs/sqlx#4336, not in a release yet). A request whose messages leave in more than
//! one write then waits for the server to acknowledge the first, which a delayed ACK holds back
//! up to 40 ms: every other COPY of an import took 40 ms longer (two seconds per million rows),
//! and reads showed 40 to 70 ms at the 99th percentile. Until a release sets `TCP_NODELAY`
//! itself, [`crate::database::connect`] sets it on each new connection's socket. Remove this
//! module with the sqlx upgrade.

use sea_orm::sqlx::{self, PgConnection};
use tracing::debug;

/// Sets `TCP_NODELAY` on this process's end of `conn`, found by the client port the server
/// sees. Over a Unix socket, or off Linux, nothing is done. A failure is only logged: Nagle
/// costs time, not correctness.
pub(crate) async fn disable_nagle(conn: &mut PgConnection) {
    let ports: Result<(Option<i32>, Option<i32>), _> =
        sqlx::query_as("SELECT inet_client_port(), inet_server_port()")
            .fetch_one(conn)
            .await;
    match ports {
        Ok((Some(local), Some(remote))) => match set_nodelay(local as u16, remote as u16) {
            Ok(found) => debug!(found, local, "TCP_NODELAY on a new connection"),
            Err(error) => debug!(%error, "cannot set TCP_NODELAY"),
        },
        Ok(_) => debug!("not a TCP connection: Nagle does not apply"),
        Err(error) => debug!(%error, "cannot read the connection's ports"),
    }
}

/// Sets `TCP_NODELAY` on the process's TCP socket from local port `local` to remote port
/// `remote`; answers whether there was one.
#[cfg(target_os = "linux")]
fn set_nodelay(local: u16, remote: u16) -> std::io::Result<bool> {
    use std::os::fd::{BorrowedFd, RawFd};

    let port = |address: std::io::Result<socket2::SockAddr>| {
        address.ok().and_then(|a| a.as_socket()).map(|a| a.port())
    };
    for entry in std::fs::read_dir("/proc/self/fd")? {
        let Some(fd) = entry?
            .file_name()
            .to_str()
            .and_then(|name| name.parse::<RawFd>().ok())
        else {
            continue;
        };
        // SAFETY: the descriptor is only borrowed for the few calls below. Should another
        // thread close it meanwhile and the number be reused, the calls fail or set
        // TCP_NODELAY on another socket, which changes no data.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        if port(socket.local_addr()) == Some(local) && port(socket.peer_addr()) == Some(remote) {
            socket.set_tcp_nodelay(true)?;
            return Ok(true);
        }
    }
    Ok(false)
}

#[cfg(not(target_os = "linux"))]
fn set_nodelay(_local: u16, _remote: u16) -> std::io::Result<bool> {
    Ok(false)
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn nagle_goes_off_on_the_socket_with_those_ports_only() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let server = listener.local_addr().unwrap().port();
        let ours = std::net::TcpStream::connect(("127.0.0.1", server)).unwrap();
        let other = std::net::TcpStream::connect(("127.0.0.1", server)).unwrap();
        assert!(!ours.nodelay().unwrap());

        let local = ours.local_addr().unwrap().port();
        assert!(set_nodelay(local, server).unwrap());
        assert!(ours.nodelay().unwrap());
        assert!(!other.nodelay().unwrap());
        // A port pair no socket has: nothing found.
        assert!(!set_nodelay(local, server.wrapping_add(1)).unwrap());
    }
}
