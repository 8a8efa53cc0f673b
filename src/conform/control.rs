//! The mock's control API (`/__mock/…`), as the runner uses it: discovery, the virtual clock.
//! Real servers have none of it; everything here is optional to a run.
//!
//! [`ControlApi`] is addressed by a base URL (`<origin>/__mock` today) rather than by the
//! target's origin, so a run can be pointed at another store's control API (a sandbox of its own)
//! without touching the rest of the runner.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Client, Request, Response, TransportError};

/// A control request failed.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("{method} {url} answered {status}: {body}")]
    Status {
        method: String,
        url: String,
        status: u16,
        body: String,
    },
    #[error("{url} answered JSON the runner does not understand: {reason}")]
    Shape { url: String, reason: String },
}

/// Where the control API is and how to authenticate to it.
#[derive(Debug, Clone)]
pub struct ControlApi {
    base: String,
    token: Option<String>,
}

impl ControlApi {
    /// `base` is the URL the control routes hang off, e.g. `http://127.0.0.1:4000/__mock`.
    pub fn new(base: impl Into<String>, token: Option<String>) -> Self {
        ControlApi {
            base: base.into().trim_end_matches('/').to_string(),
            token,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// A request to `path` (starting with `/`) under the base, with the control token.
    pub fn request(&self, method: &str, path: &str) -> Request {
        Request::new(method, format!("{}{path}", self.base)).bearer(self.token.as_deref())
    }

    /// Send, and read a 2xx JSON answer.
    pub fn call(
        &self,
        client: &Client,
        method: &str,
        path: &str,
        body: Option<&impl Serialize>,
    ) -> Result<Value, ControlError> {
        let mut req = self.request(method, path);
        match body {
            Some(b) => req = req.json_body(&serde_json::to_value(b).unwrap_or(Value::Null)),
            // The control API changes state only on JSON requests (so no web page can drive it).
            None if method != "GET" => req = req.json_body(&Value::Object(Default::default())),
            None => {}
        }
        let resp = client.send(&req)?;
        expect_2xx(&req, &resp)?;
        Ok(resp.json.unwrap_or(Value::Null))
    }

    /// `GET path`, read as `T`.
    pub fn get<T: serde::de::DeserializeOwned>(
        &self,
        client: &Client,
        path: &str,
    ) -> Result<T, ControlError> {
        let v = self.call(client, "GET", path, None::<&Value>)?;
        serde_json::from_value(v).map_err(|e| ControlError::Shape {
            url: format!("{}{path}", self.base),
            reason: e.to_string(),
        })
    }
}

fn expect_2xx(req: &Request, resp: &Response) -> Result<(), ControlError> {
    if resp.status / 100 == 2 {
        return Ok(());
    }
    Err(ControlError::Status {
        method: req.method.clone(),
        url: req.url.clone(),
        status: resp.status,
        body: super::scenarios::truncate(&resp.text, 300),
    })
}

/// What `GET /__mock/health` says about the mock.
#[derive(Debug, Clone)]
pub struct MockInfo {
    pub version: String,
    pub profile: String,
    pub capabilities: Vec<String>,
}

/// The clock as `GET /__mock/clock` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ClockState {
    pub now: i64,
    /// False: the plain system clock.
    #[serde(rename = "virtual")]
    pub is_virtual: bool,
    pub frozen: bool,
}

/// One command to the mock's clock (`POST /__mock/clock`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "lowercase")]
pub enum ClockAction {
    Freeze,
    Advance {
        seconds: i64,
    },
    Set {
        now: i64,
    },
    /// A frozen virtual clock runs again from where it stands.
    Resume,
    /// Back to the system clock.
    Real,
}

/// The mock, found through its control API.
#[derive(Debug, Clone)]
pub struct MockControl {
    pub api: ControlApi,
    pub info: MockInfo,
}

/// What discovery found at the control API's health route.
pub enum Discovery {
    Mock(MockControl),
    /// Not the mock (a real server answers 404, a login page, anything else).
    NotTheMock,
    /// The mock's control API refused the control token (or its absence).
    Unauthorized,
}

impl MockControl {
    /// Ask `GET <base>/health` whether this is the mock.
    pub fn discover(client: &Client, api: ControlApi) -> Result<Discovery, TransportError> {
        let health = client.send(&api.request("GET", "/health"))?;
        let body = health.json.as_ref().filter(|j| j["mock"] == "commerce-auth-mock");
        match (health.status, body) {
            (200, Some(j)) => Ok(Discovery::Mock(MockControl {
                info: MockInfo {
                    version: j["version"].as_str().unwrap_or("?").into(),
                    profile: j["profile"].as_str().unwrap_or("?").into(),
                    capabilities: j["capabilities"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|c| c.as_str().map(String::from)).collect())
                        .unwrap_or_default(),
                },
                api,
            })),
            // The mock's refusal is JSON with a message naming the control token.
            (401, _) if health.text.contains("control") => Ok(Discovery::Unauthorized),
            _ => Ok(Discovery::NotTheMock),
        }
    }

    pub fn has(&self, capability: &str) -> bool {
        self.info.capabilities.iter().any(|c| c == capability)
    }

    pub fn clock(&self, client: &Client) -> Result<ClockState, ControlError> {
        self.api.get(client, "/clock")
    }

    pub fn set_clock(&self, client: &Client, action: ClockAction) -> Result<ClockState, ControlError> {
        let v = self.api.call(client, "POST", "/clock", Some(&action))?;
        serde_json::from_value(v).map_err(|e| ControlError::Shape {
            url: format!("{}/clock", self.api.base()),
            reason: e.to_string(),
        })
    }
}

/// The admin access the mock's fixtures define (`GET /__mock/access`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct MockAccess {
    pub admin_users: Vec<MockAdminUser>,
    pub admin_tokens: Vec<MockAdminToken>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MockAdminUser {
    pub id: u64,
    pub username: String,
    pub password: String,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MockAdminToken {
    pub token: String,
    pub username: String,
    pub permissions: Vec<String>,
}

/// What the run found on the mock, to put it back at the end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundState {
    pub clock: ClockState,
    /// When the clock was read, to carry a running virtual clock forward by the run's duration.
    pub read_at: std::time::Instant,
    pub fault_ids: Vec<u64>,
    pub customers: usize,
}

impl MockControl {
    /// The fixtures' admin access; `None` from a mock without the route.
    pub fn access(&self, client: &Client) -> Result<Option<MockAccess>, ControlError> {
        match self.api.get(client, "/access") {
            Ok(a) => Ok(Some(a)),
            Err(ControlError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The ids of the faults in force.
    pub fn fault_ids(&self, client: &Client) -> Result<Vec<u64>, ControlError> {
        let v = self.api.call(client, "GET", "/faults", None::<&Value>)?;
        Ok(v["faults"]
            .as_array()
            .map(|a| a.iter().filter_map(|f| f["id"].as_u64()).collect())
            .unwrap_or_default())
    }

    pub fn remove_fault(&self, client: &Client, id: u64) -> Result<(), ControlError> {
        self.api
            .call(client, "DELETE", &format!("/faults/{id}"), None::<&Value>)
            .map(|_| ())
    }

    /// How many customers the mock holds: the listing's `total` (it lists one page), or the
    /// length of the list of a mock from before paging.
    pub fn customer_count(&self, client: &Client) -> Result<usize, ControlError> {
        let v = self
            .api
            .call(client, "GET", "/customers?size=1", None::<&Value>)?;
        Ok(match v["total"].as_u64() {
            Some(n) => n as usize,
            None => v["customers"].as_array().map_or(0, Vec::len),
        })
    }

    /// Record what the run will change, before it changes anything.
    pub fn found_state(&self, client: &Client) -> Result<FoundState, ControlError> {
        Ok(FoundState {
            clock: self.clock(client)?,
            read_at: std::time::Instant::now(),
            fault_ids: self.fault_ids(client)?,
            customers: self.customer_count(client)?,
        })
    }

    /// Put the clock back as `found` had it: the system clock; a frozen virtual clock at its
    /// second; a running virtual clock where it would be now had the run not touched it.
    pub fn restore_clock(&self, client: &Client, found: &FoundState) -> Result<ClockState, ControlError> {
        let c = found.clock;
        if !c.is_virtual {
            return self.set_clock(client, ClockAction::Real);
        }
        let now = if c.frozen {
            c.now
        } else {
            c.now + found.read_at.elapsed().as_secs() as i64
        };
        // Setting a frozen clock keeps it frozen; a running one is frozen first so the second set
        // is exact, then resumed.
        self.set_clock(client, ClockAction::Freeze)?;
        let state = self.set_clock(client, ClockAction::Set { now })?;
        if c.frozen {
            Ok(state)
        } else {
            self.set_clock(client, ClockAction::Resume)
        }
    }
}
