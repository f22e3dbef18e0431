//! How a route is declared: method, path, who may call it, handler.
//!
//! Each handler module adds its routes to a [`RouteSink`]; the same functions register them
//! with actix and list them for the role-matrix test (`startup::route_table`), so a route
//! cannot be added without the test noticing that it has no row.

use actix_web::http::Method;
use actix_web::{FromRequest, Handler, Responder, web};

/// Who may call a route. The handler's extractor enforces it; this is the declaration the
/// role-matrix test checks the behaviour against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in user.
    SignedIn,
    Owner,
    /// An owner, or a machine key whose scope allows it (`ingest`).
    OwnerOrKey,
    Reviewer,
    Operator,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteInfo {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

/// Something routes can be added to: actix's service config, or a plain list.
pub trait RouteSink {
    fn add<F, Args>(&mut self, method: Method, path: &'static str, access: Access, handler: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static;
}

impl RouteSink for web::ServiceConfig {
    fn add<F, Args>(&mut self, method: Method, path: &'static str, _: Access, handler: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.route(path, web::method(method).to(handler));
    }
}

impl RouteSink for Vec<RouteInfo> {
    fn add<F, Args>(&mut self, method: Method, path: &'static str, access: Access, _: F)
    where
        F: Handler<Args>,
        Args: FromRequest + 'static,
        F::Output: Responder + 'static,
    {
        self.push(RouteInfo {
            method,
            path,
            access,
        });
    }
}
