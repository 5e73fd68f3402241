//! The dashboard (issue 5, item 5): one month's counts by status, the month-close matrix
//! (operator × stage, with the active clients that have no process yet), what needs
//! attention and the latest executions. Every role that logs in sees it; the numbers are
//! aggregated by the database, never by loading every process.

use crate::processes::brasilia;
use crate::Desk;
use brm_core::dashboard::{Dashboard, DashboardCounts};
use brm_core::execution::ExecutionFilter;
use brm_core::process::Month;
use brm_core::{Result, Role};

pub const ATTENTION_LIMIT: i64 = 20;
pub const RECENT_EXECUTIONS: i64 = 10;

fn any_role(_: Role) -> bool {
    true
}

impl Desk {
    /// `month` ("YYYY-MM"; blank or None: the current month in Brasília).
    pub async fn dashboard(&self, token: &str, month: Option<String>) -> Result<Dashboard> {
        self.require(token, any_role, "ver o painel")?;
        let month = match month.as_deref().map(str::trim).filter(|m| !m.is_empty()) {
            Some(m) => Month::parse(m)?.to_string(),
            None => brasilia(self.clock.now()).format("%Y-%m").to_string(),
        };
        let store = &self.store;
        let months = self.observe(store.process_months().await)?;
        let counts = self.observe(store.status_counts(Some(&month)).await)?;
        let by_operator = self.observe(store.operator_month(&month).await)?;
        let attention = self.observe(store.attention_processes(&month, ATTENTION_LIMIT).await)?;
        let recent = self.observe(
            store
                .list_executions(&ExecutionFilter {
                    page_size: RECENT_EXECUTIONS,
                    ..Default::default()
                })
                .await,
        )?;
        Ok(Dashboard {
            month,
            months,
            counts: DashboardCounts::from(counts),
            by_operator,
            attention,
            recent_executions: recent.items,
        })
    }
}
