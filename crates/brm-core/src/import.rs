//! The client spreadsheet import, in two pure steps the window shows before anything is
//! written: `parse` reads the CSV the office exports from its spreadsheet, `plan` decides
//! what each row would do against the operators and the clients already stored.
//!
//! The spreadsheet is typed by hand and exported by whatever program is at hand, so the
//! reader accepts what such files really look like: UTF-8 with or without a byte-order
//! mark, Windows-1252 (Excel's "CSV" in pt-BR), UTF-16 with its mark (Excel's "Texto
//! Unicode"); comma, semicolon (Excel in pt-BR) or TAB as the delimiter; CRLF line ends,
//! header names with or without accents and with stray spaces, cells with spaces around
//! them. Cells are kept as typed: one that starts with `=`, `+`, `-` or `@` is stored as
//! that text, and the exports are what keep it from running as a formula.
//!
//! The plan checks everything that can be known from the file and the stored clients
//! given to it. What only the database knows at write time, it leaves to the store, which
//! applies a plan in one transaction: a new or changed row whose (CNPJ, operator, unit,
//! service) collides with a stored client that is not in the file, and a stored client
//! changed by someone else since the plan was made (`existing_version`).

mod planner;
mod preview;
mod sheet;

pub use planner::{plan, ImportPlan, PlannedRow, RejectedRow};
pub use preview::{ImportPreview, ImportSummary, PreviewRow};
pub use sheet::{parse, read, Sheet, SheetEncoding, SheetRow};
