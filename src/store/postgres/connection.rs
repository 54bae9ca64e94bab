//! Connections: how they are made (TLS or not), pooled by r2d2, and the
//! prepared statements each one keeps.

use std::collections::HashMap;
use std::sync::Arc;

use postgres::types::ToSql;
use postgres::{Client, Row, Statement};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::fail;
use crate::store::StoreError;

/// One connection to the server, with the statements it has prepared: a
/// query is parsed once per connection, then each run is one round trip.
pub(super) struct Connection {
    client: Client,
    statements: HashMap<String, Statement>,
}

impl Connection {
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).map_err(fail)?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Runs `sql` (prepared once per connection); returns the rows changed.
    pub(super) fn execute(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        self.client.execute(&statement, params).map_err(fail)
    }

    /// Runs `sql` (prepared once per connection); returns its rows.
    pub(super) fn query(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql)?;
        self.client.query(&statement, params).map_err(fail)
    }

    /// Runs `sql` (prepared once per connection); returns its row, if any.
    pub(super) fn query_opt(
        &mut self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, StoreError> {
        let statement = self.statement(sql)?;
        self.client.query_opt(&statement, params).map_err(fail)
    }

    /// Runs statements without parameters (transaction control), in one
    /// round trip.
    pub(super) fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        self.client.batch_execute(sql).map_err(fail)
    }

    pub(super) fn client(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// Makes the pool's connections: the server's address and options from
/// the store's configuration, TLS as it says.
#[derive(Debug)]
pub(super) struct Manager {
    pub(super) config: postgres::Config,
    pub(super) tls: Option<Arc<rustls::ClientConfig>>,
}

impl Manager {
    pub(super) fn connect(&self) -> Result<Connection, postgres::Error> {
        let client = match &self.tls {
            Some(tls) => self
                .config
                .connect(MakeRustlsConnect::new(rustls::ClientConfig::clone(tls)))?,
            None => self.config.connect(postgres::NoTls)?,
        };
        Ok(Connection {
            client,
            statements: HashMap::new(),
        })
    }
}

impl r2d2::ManageConnection for Manager {
    type Connection = Connection;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Connection, postgres::Error> {
        Manager::connect(self)
    }

    fn is_valid(&self, connection: &mut Connection) -> Result<(), postgres::Error> {
        connection.client.simple_query("").map(drop)
    }

    /// A connection whose server went away (a restart, a terminated
    /// backend, a network failure) is dropped rather than pooled again.
    fn has_broken(&self, connection: &mut Connection) -> bool {
        connection.client.is_closed()
    }
}
