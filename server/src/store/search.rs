//! The issue 6 search queries of the store: the full-text index (written in the transactions
//! that store messages and contacts), ticket and contact search, `ticket_tags` for the `tag:`
//! filter, the backlog of rows stored before the index existed, and saved views.
//!
//! Compiled as a child of `ops.rs` (so twice, once per dialect) and re-exported from it. The
//! few statements that differ between the dialects branch on `<Db as sqlx::Database>::NAME`:
//! - SQLite: contentless FTS5 tables `search_messages` (rowid = message id) and
//!   `search_contacts` (rowid = contact id), tokenizer `ascii`; a search `MATCH`es the FTS5
//!   text of the query ([`TextQuery::fts5`]);
//! - PostgreSQL: `search_messages (message_id, ticket_id, terms)` and `search_contacts
//!   (contact_id, terms)` with GIN indexes on `terms`, written as `tsvector` literals
//!   ([`tsvector_literal`]) and searched with `terms @@ $1::tsquery` ([`TextQuery::tsquery`]).
//!
//! The terms are computed in the core ([`lossless::search`]), so both databases hold the same
//! terms and answer the same.
//!
//! Invariants kept here:
//! - a message is indexed in the transaction that stores it (with its ticket's subject when
//!   it is the ticket's first message; subjects never change after creation); a contact is
//!   (re)indexed in the transaction that creates it or gives it a name or handles;
//!   `ticket_tags` mirrors `tickets.tags` in every transaction that writes a ticket; so a
//!   search sees every change from its commit on;
//! - rows stored before migration 0013 are indexed by [`index_backlog`]: `search_backlog`
//!   holds, per table, the id below which rows may still be unindexed; one call indexes the
//!   newest batch below it and lowers it in the same transaction (its row locked on
//!   PostgreSQL; SQLite writers are serial), so every old row is indexed exactly once;
//! - a text search walks the matching messages newest first (message id descending: FTS5
//!   reads its index in rowid order and stops early; PostgreSQL picks the primary key or the
//!   GIN index by its estimate, and the statement is not kept as a generic plan) in growing
//!   batches with the ticket filters applied in SQL, keeping each ticket's newest match,
//!   until it has `limit` tickets or the matches run out; filters alone list the newest
//!   tickets by id (by the first tag's index when there is a `tag:`);
//! - SQLite joins the FTS table first (`CROSS JOIN` fixes the order), so the walk never sorts.

use super::super::super::{db_err, db_err_ref};
use super::super::FOR_UPDATE;
use super::{Conn, Db, DbPool, DbRow, begin, codec, reader, ticket_from_row};
use chrono::{DateTime, Utc};
use lossless::contact::{Contact, Handle};
use lossless::ids::{ContactId, GroupId, MessageId, TicketId};
use lossless::message::Visibility;
use lossless::ports::{StoreError, StoreResult, to_micros};
use lossless::search::{
    AssigneeIs, HitMessage, SavedView, SavedViewDraft, SavedViewId, TextQuery, TicketHit,
    TicketSearch, contact_terms, message_terms, tsvector_literal,
};
use lossless::ticket::Ticket;
use sqlx::Row as _;
use std::collections::{HashMap, HashSet};

/// Is this the SQLite build of the queries?
pub(super) fn sqlite() -> bool {
    <Db as sqlx::Database>::NAME == "SQLite"
}

/// A bound value of a query built at run time.
enum Arg {
    Int(i64),
    Text(String),
}

/// SQL text with its bound values; only placeholders are ever formatted into the text.
#[derive(Default)]
struct Built {
    args: Vec<Arg>,
}

impl Built {
    /// Binds a value and names its placeholder.
    fn param(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }
    /// `(p1, p2, …)` of the values.
    fn list(&mut self, values: impl IntoIterator<Item = Arg>) -> String {
        let names: Vec<String> = values.into_iter().map(|a| self.param(a)).collect();
        format!("({})", names.join(", "))
    }
    /// The query over `sql` with the values bound; not kept as a prepared statement (on
    /// PostgreSQL each run is planned for its own values).
    fn query(
        self,
        sql: String,
    ) -> sqlx::query::Query<'static, Db, <Db as sqlx::Database>::Arguments> {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).persistent(false);
        for a in self.args {
            q = match a {
                Arg::Int(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
            };
        }
        q
    }
}

// ---- writing the index (inside the caller's transaction) -----------------------------------

/// Indexes a stored message (`subject`: its ticket's, when it is the first message).
pub(super) async fn index_message(
    c: &mut Conn,
    id: i64,
    ticket: TicketId,
    subject: Option<&str>,
    body: &str,
) -> StoreResult<()> {
    let doc = (id, ticket.0, message_terms(subject, body));
    write_docs(c, Docs::Messages, &[doc], false).await
}

/// (Re)indexes a contact from its stored name and handles.
pub(super) async fn index_contact(c: &mut Conn, id: ContactId) -> StoreResult<()> {
    let docs = contact_docs(c, &[id.0]).await?;
    write_docs(c, Docs::Contacts, &docs, true).await
}

/// The index documents of these contacts: `(id, 0, terms)`, from their stored names and
/// handles (two queries however many).
async fn contact_docs(c: &mut Conn, ids: &[i64]) -> StoreResult<Vec<(i64, i64, String)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut b = Built::default();
    let list = b.list(ids.iter().map(|i| Arg::Int(*i)));
    let names = b
        .query(format!("SELECT id, name FROM contacts WHERE id IN {list}"))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
    let mut b = Built::default();
    let list = b.list(ids.iter().map(|i| Arg::Int(*i)));
    let rows = b
        .query(format!(
            "SELECT contact_id, kind, value FROM contact_handles WHERE contact_id IN {list} \
             ORDER BY id"
        ))
        .fetch_all(&mut *c)
        .await
        .map_err(db_err)?;
    let mut handles: HashMap<i64, Vec<Handle>> = HashMap::new();
    for r in &rows {
        let owner: i64 = r.try_get("contact_id").map_err(db_err)?;
        handles
            .entry(owner)
            .or_default()
            .extend(handles_of(std::slice::from_ref(r))?);
    }
    names
        .iter()
        .map(|r| {
            let id: i64 = r.try_get("id").map_err(db_err)?;
            let name: String = r.try_get("name").map_err(db_err)?;
            let hs = handles.remove(&id).unwrap_or_default();
            Ok((id, 0, contact_terms(&name, &hs)))
        })
        .collect()
}

/// Which index a document goes to.
#[derive(Clone, Copy)]
enum Docs {
    Messages,
    Contacts,
}

/// Rows per statement when documents are written in bulk.
const WRITE_CHUNK: usize = 200;

/// Writes index documents `(id, ticket id, terms)` (the ticket id is for messages on
/// PostgreSQL); `replace` drops entries the ids may already have (SQLite) or overwrites them
/// (PostgreSQL). A few statements per [`WRITE_CHUNK`] documents.
///
/// Documents are written in ascending id order, whatever order they come in: FTS5 keeps a
/// transaction's pending terms in rowid order and flushes them to a new segment (with merge
/// work over the existing index) whenever a rowid arrives below the previous one. Written
/// newest first, a 200-row statement took 1.2 s on an index of 330,000 messages; in
/// ascending order, 0.5 ms.
async fn write_docs(
    c: &mut Conn,
    docs: Docs,
    rows: &[(i64, i64, String)],
    replace: bool,
) -> StoreResult<()> {
    let table = match docs {
        Docs::Messages => "search_messages",
        Docs::Contacts => "search_contacts",
    };
    let mut sorted: Vec<&(i64, i64, String)> = rows.iter().collect();
    sorted.sort_by_key(|(id, _, _)| *id);
    for chunk in sorted.chunks(WRITE_CHUNK) {
        if sqlite() && replace {
            let mut b = Built::default();
            let ids = b.list(chunk.iter().map(|(id, _, _)| Arg::Int(*id)));
            b.query(format!("DELETE FROM {table} WHERE rowid IN {ids}"))
                .execute(&mut *c)
                .await
                .map_err(db_err)?;
        }
        let mut b = Built::default();
        let mut values = Vec::with_capacity(chunk.len());
        for (id, ticket, terms) in chunk {
            let id = b.param(Arg::Int(*id));
            values.push(match (sqlite(), docs) {
                (true, _) => format!("({id}, {})", b.param(Arg::Text(terms.clone()))),
                (false, Docs::Messages) => {
                    let ticket = b.param(Arg::Int(*ticket));
                    let terms = b.param(Arg::Text(tsvector_literal(terms)));
                    format!("({id}, {ticket}, CAST({terms} AS tsvector))")
                }
                (false, Docs::Contacts) => {
                    let terms = b.param(Arg::Text(tsvector_literal(terms)));
                    format!("({id}, CAST({terms} AS tsvector))")
                }
            });
        }
        let values = values.join(", ");
        let sql = match (sqlite(), docs) {
            (true, _) => format!("INSERT INTO {table} (rowid, terms) VALUES {values}"),
            (false, Docs::Messages) => format!(
                "INSERT INTO search_messages (message_id, ticket_id, terms) VALUES {values} \
                 ON CONFLICT (message_id) DO UPDATE SET terms = excluded.terms"
            ),
            (false, Docs::Contacts) => format!(
                "INSERT INTO search_contacts (contact_id, terms) VALUES {values} \
                 ON CONFLICT (contact_id) DO UPDATE SET terms = excluded.terms"
            ),
        };
        b.query(sql).execute(&mut *c).await.map_err(db_err)?;
    }
    Ok(())
}

/// Handles from `kind, value` rows.
fn handles_of(rows: &[DbRow]) -> StoreResult<Vec<Handle>> {
    rows.iter()
        .map(|r| {
            let kind: String = r.try_get("kind").map_err(db_err)?;
            let value: String = r.try_get("value").map_err(db_err)?;
            codec::handle(&kind, &value)
        })
        .collect()
}

/// Makes `ticket_tags` hold exactly the ticket's tags (no writes when they already do).
pub(super) async fn sync_tags(c: &mut Conn, t: &Ticket) -> StoreResult<()> {
    let tags = codec::to_json(&t.tags)?;
    let (delete, insert) = if sqlite() {
        (
            "DELETE FROM ticket_tags WHERE ticket_id = $1 \
             AND tag NOT IN (SELECT value FROM json_each($2))",
            "INSERT INTO ticket_tags (tag, ticket_id) SELECT value, $1 FROM json_each($2) \
             WHERE true ON CONFLICT DO NOTHING",
        )
    } else {
        (
            "DELETE FROM ticket_tags WHERE ticket_id = $1 \
             AND tag NOT IN (SELECT jsonb_array_elements_text(CAST($2 AS jsonb)))",
            "INSERT INTO ticket_tags (tag, ticket_id) \
             SELECT x, CAST($1 AS BIGINT) FROM jsonb_array_elements_text(CAST($2 AS jsonb)) AS x \
             ON CONFLICT DO NOTHING",
        )
    };
    sqlx::query(delete)
        .bind(t.id.0)
        .bind(&tags)
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
    if !t.tags.is_empty() {
        sqlx::query(insert)
            .bind(t.id.0)
            .bind(&tags)
            .execute(&mut *c)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

// ---- searching --------------------------------------------------------------------------

/// The ticket filters of `q` as ` AND …` conditions on `t`.
fn ticket_filters(b: &mut Built, q: &TicketSearch, skip_first_tag: bool) -> String {
    let mut sql = String::new();
    if !q.statuses.is_empty() {
        let l = b.list(q.statuses.iter().map(|s| Arg::Text(s.as_str().to_owned())));
        sql.push_str(&format!(" AND t.status IN {l}"));
    }
    if !q.priorities.is_empty() {
        let l = b.list(q.priorities.iter().map(|p| Arg::Int(i64::from(p.rank()))));
        sql.push_str(&format!(" AND t.priority_rank IN {l}"));
    }
    if !q.channels.is_empty() {
        let l = b.list(q.channels.iter().map(|c| Arg::Text(c.as_str().to_owned())));
        sql.push_str(&format!(" AND t.channel IN {l}"));
    }
    if !q.groups.is_empty() {
        let l = b.list(q.groups.iter().map(|g| Arg::Int(g.0)));
        sql.push_str(&format!(" AND t.group_id IN {l}"));
    }
    if !q.hidden_groups.is_empty() {
        let l = b.list(q.hidden_groups.iter().map(|g| Arg::Int(g.0)));
        sql.push_str(&format!(
            " AND (t.group_id IS NULL OR t.group_id NOT IN {l})"
        ));
    }
    if !q.assignees.is_empty() {
        let agents: Vec<Arg> = q
            .assignees
            .iter()
            .filter_map(|a| match a {
                AssigneeIs::Agent(id) => Some(Arg::Int(id.0)),
                AssigneeIs::Nobody => None,
            })
            .collect();
        let nobody = q.assignees.contains(&AssigneeIs::Nobody);
        let mut any = Vec::new();
        if !agents.is_empty() {
            any.push(format!("t.assignee_id IN {}", b.list(agents)));
        }
        if nobody {
            any.push("t.assignee_id IS NULL".to_owned());
        }
        sql.push_str(&format!(" AND ({})", any.join(" OR ")));
    }
    for tag in q.tags.iter().skip(usize::from(skip_first_tag)) {
        let p = b.param(Arg::Text(tag.clone()));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM ticket_tags g WHERE g.ticket_id = t.id AND g.tag = {p})"
        ));
    }
    if !q.contacts.is_empty() {
        let l = b.list(q.contacts.iter().map(|c| Arg::Int(c.0)));
        sql.push_str(&format!(" AND t.contact_id IN {l}"));
    }
    sql
}

/// The biggest batch of matching messages one round reads.
const MAX_BATCH: i64 = 4_096;

/// `(ticket, newest matching message)` in order, at most `limit`.
///
/// SQLite walks the FTS5 index from the newest message down. PostgreSQL walks only the
/// newest [`WALK_WINDOW`] messages that way; when they hold fewer than `limit` tickets the
/// words are rare there, and the older messages are searched through the GIN bitmap — unless
/// the planner expects more than [`BITMAP_MAX_ROWS`] matches (then the walk goes on).
///
/// Why: the walk costs per message stepped over, so a rare or absent word walked the whole
/// table (2 s at 5 M messages); the bitmap costs per match (and per phrase candidate to
/// recheck), so a common word or a phrase of common words took seconds that way. The
/// planner's estimate cannot tell them apart (an absent word and a phrase of common words
/// both look rare), while a bounded walk does: common words and phrases finish inside the
/// window.
async fn walk_matches(
    pool: &DbPool,
    q: &TicketSearch,
    limit: usize,
) -> StoreResult<Vec<(i64, Option<i64>)>> {
    let mut out: Vec<(i64, Option<i64>)> = Vec::new();
    let mut seen: HashSet<i64> = HashSet::new();
    if sqlite() {
        walk(pool, q, limit, &mut out, &mut seen, i64::MAX, 0).await?;
        return Ok(out);
    }
    let newest: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(message_id), 0) FROM search_messages")
            .fetch_one(reader(pool))
            .await
            .map_err(db_err)?;
    let floor = newest.saturating_sub(WALK_WINDOW);
    walk(pool, q, limit, &mut out, &mut seen, i64::MAX, floor).await?;
    if out.len() == limit || floor <= 0 {
        return Ok(out);
    }
    if planned_matches(pool, q)
        .await?
        .is_some_and(|e| e <= BITMAP_MAX_ROWS)
    {
        for (ticket, message) in gather_matches_below(pool, q, limit + seen.len(), floor).await? {
            if seen.insert(ticket) {
                out.push((ticket, message));
                if out.len() == limit {
                    break;
                }
            }
        }
    } else {
        walk(pool, q, limit, &mut out, &mut seen, floor, 0).await?;
    }
    Ok(out)
}

/// PostgreSQL: how many of the newest messages the bounded walk steps over (about 20 ms).
const WALK_WINDOW: i64 = 50_000;

/// PostgreSQL: the most matches the planner may expect below the window for the GIN bitmap
/// to be used (each costs a heap visit and recheck, a few microseconds).
const BITMAP_MAX_ROWS: f64 = 50_000.0;

/// Walks matching messages with ids in `floor..from`, newest first, adding each new ticket
/// to `out` until it holds `limit`.
async fn walk(
    pool: &DbPool,
    q: &TicketSearch,
    limit: usize,
    out: &mut Vec<(i64, Option<i64>)>,
    seen: &mut HashSet<i64>,
    from: i64,
    floor: i64,
) -> StoreResult<()> {
    let mut before = from;
    let mut batch = i64::try_from(limit * 2)
        .unwrap_or(MAX_BATCH)
        .clamp(16, MAX_BATCH);
    loop {
        let mut b = Built::default();
        let text = b.param(Arg::Text(if sqlite() {
            q.text.fts5()
        } else {
            q.text.tsquery()
        }));
        let below = b.param(Arg::Int(before));
        let floor = b.param(Arg::Int(floor));
        let visibility = if q.include_internal {
            ""
        } else {
            " AND m.visibility = 'public'"
        };
        let filters = ticket_filters(&mut b, q, false);
        let n = b.param(Arg::Int(batch));
        let sql = if sqlite() {
            format!(
                "SELECT m.id AS message_id, m.ticket_id AS ticket_id FROM search_messages \
                 CROSS JOIN messages m ON m.id = search_messages.rowid \
                 CROSS JOIN tickets t ON t.id = m.ticket_id \
                 WHERE search_messages MATCH {text} AND search_messages.rowid < {below} \
                 AND search_messages.rowid >= {floor}{visibility}{filters} ORDER BY search_messages.rowid DESC LIMIT {n}"
            )
        } else {
            // The index row carries the ticket: join only what a condition reads.
            let tickets = if filters.is_empty() {
                ""
            } else {
                " JOIN tickets t ON t.id = s.ticket_id"
            };
            let messages = if visibility.is_empty() {
                ""
            } else {
                " JOIN messages m ON m.id = s.message_id"
            };
            format!(
                "SELECT s.message_id AS message_id, s.ticket_id AS ticket_id \
                 FROM search_messages s{tickets}{messages} \
                 WHERE s.terms @@ CAST({text} AS tsquery) AND s.message_id < {below} \
                 AND s.message_id >= {floor}{visibility}{filters} ORDER BY s.message_id DESC LIMIT {n}"
            )
        };
        let rows = b.query(sql).fetch_all(reader(pool)).await.map_err(db_err)?;
        for r in &rows {
            let message: i64 = r.try_get("message_id").map_err(db_err)?;
            let ticket: i64 = r.try_get("ticket_id").map_err(db_err)?;
            before = message;
            if seen.insert(ticket) {
                out.push((ticket, Some(message)));
                if out.len() == limit {
                    return Ok(());
                }
            }
        }
        if i64::try_from(rows.len()).unwrap_or(i64::MAX) < batch {
            return Ok(());
        }
        batch = (batch * 2).min(MAX_BATCH);
    }
}

/// PostgreSQL: the planner's estimate of the messages the text matches (`None`: no estimate).
async fn planned_matches(pool: &DbPool, q: &TicketSearch) -> StoreResult<Option<f64>> {
    let mut b = Built::default();
    let text = b.param(Arg::Text(q.text.tsquery()));
    let plan: Vec<String> = b
        .query(format!(
            "EXPLAIN SELECT 1 FROM search_messages s WHERE s.terms @@ CAST({text} AS tsquery)"
        ))
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?
        .iter()
        .map(|r| r.try_get::<String, _>(0))
        .collect::<Result<_, _>>()
        .map_err(db_err)?;
    Ok(plan.first().and_then(|l| planned_rows(l)))
}

/// The `rows=` estimate of an `EXPLAIN` line.
fn planned_rows(line: &str) -> Option<f64> {
    let at = line.find(" rows=")? + " rows=".len();
    let digits: String = line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// PostgreSQL: the matches among messages older than `below` through the GIN bitmap, the
/// newest message per ticket, the newest tickets first, at most `limit` — what the walk
/// would find there.
async fn gather_matches_below(
    pool: &DbPool,
    q: &TicketSearch,
    limit: usize,
    below: i64,
) -> StoreResult<Vec<(i64, Option<i64>)>> {
    let mut b = Built::default();
    let text = b.param(Arg::Text(q.text.tsquery()));
    let below = b.param(Arg::Int(below));
    let filters = ticket_filters(&mut b, q, false);
    let n = b.param(Arg::Int(i64::try_from(limit).unwrap_or(MAX_BATCH)));
    let tickets = if filters.is_empty() {
        ""
    } else {
        " JOIN tickets t ON t.id = s.ticket_id"
    };
    let (messages, visibility) = if q.include_internal {
        ("", "")
    } else {
        (
            " JOIN messages m ON m.id = s.message_id",
            " AND m.visibility = 'public'",
        )
    };
    let rows = b
        .query(format!(
            "SELECT s.ticket_id AS ticket_id, max(s.message_id) AS message_id \
             FROM search_messages s{tickets}{messages} \
             WHERE s.terms @@ CAST({text} AS tsquery) AND s.message_id < {below}{visibility}{filters} \
             GROUP BY s.ticket_id ORDER BY message_id DESC LIMIT {n}"
        ))
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    rows.iter()
        .map(|r| {
            let ticket: i64 = r.try_get("ticket_id").map_err(db_err)?;
            let message: i64 = r.try_get("message_id").map_err(db_err)?;
            Ok((ticket, Some(message)))
        })
        .collect()
}

/// The newest tickets passing the filters, at most `limit`.
async fn newest_filtered(
    pool: &DbPool,
    q: &TicketSearch,
    limit: usize,
) -> StoreResult<Vec<(i64, Option<i64>)>> {
    let mut b = Built::default();
    let sql = match q.tags.first() {
        Some(tag) => {
            let p = b.param(Arg::Text(tag.clone()));
            let filters = ticket_filters(&mut b, q, true);
            let n = b.param(Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
            // SQLite: the tag's index first (CROSS JOIN fixes the order); PostgreSQL plans.
            let join = if sqlite() { "CROSS JOIN" } else { "JOIN" };
            format!(
                "SELECT t.id FROM ticket_tags g0 {join} tickets t ON t.id = g0.ticket_id \
                 WHERE g0.tag = {p}{filters} ORDER BY g0.ticket_id DESC LIMIT {n}"
            )
        }
        None => {
            let filters = ticket_filters(&mut b, q, false);
            let n = b.param(Arg::Int(i64::try_from(limit).unwrap_or(i64::MAX)));
            format!("SELECT t.id FROM tickets t WHERE 1 = 1{filters} ORDER BY t.id DESC LIMIT {n}")
        }
    };
    let rows = b.query(sql).fetch_all(reader(pool)).await.map_err(db_err)?;
    rows.iter()
        .map(|r| Ok((r.try_get(0).map_err(db_err)?, None)))
        .collect()
}

pub(crate) async fn search_tickets(pool: &DbPool, q: TicketSearch) -> StoreResult<Vec<TicketHit>> {
    let limit = usize::try_from(q.limit.clamp(0, 1_000)).unwrap_or(0);
    if limit == 0 {
        return Ok(Vec::new());
    }
    let found = if q.text.is_empty() {
        newest_filtered(pool, &q, limit).await?
    } else {
        walk_matches(pool, &q, limit).await?
    };
    if found.is_empty() {
        return Ok(Vec::new());
    }
    let mut b = Built::default();
    let ids = b.list(found.iter().map(|(t, _)| Arg::Int(*t)));
    let rows = b
        .query(format!(
            "SELECT t.*, c.name AS contact_name FROM tickets t \
             JOIN contacts c ON c.id = t.contact_id WHERE t.id IN {ids}"
        ))
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    let mut tickets: HashMap<i64, (Ticket, String)> = HashMap::new();
    for r in &rows {
        let t = ticket_from_row(r)?;
        tickets.insert(t.id.0, (t, r.try_get("contact_name").map_err(db_err)?));
    }
    let mut messages: HashMap<i64, HitMessage> = HashMap::new();
    let wanted: Vec<i64> = found.iter().filter_map(|(_, m)| *m).collect();
    if !wanted.is_empty() {
        let mut b = Built::default();
        let ids = b.list(wanted.into_iter().map(Arg::Int));
        let rows = b
            .query(format!(
                "SELECT id, body, visibility FROM messages WHERE id IN {ids}"
            ))
            .fetch_all(reader(pool))
            .await
            .map_err(db_err)?;
        for r in &rows {
            let id: i64 = r.try_get("id").map_err(db_err)?;
            let visibility: String = r.try_get("visibility").map_err(db_err)?;
            messages.insert(
                id,
                HitMessage {
                    id: MessageId(id),
                    body: r.try_get("body").map_err(db_err)?,
                    visibility: Visibility::parse(&visibility).ok_or_else(|| {
                        StoreError::Backend(format!("corrupt row: visibility {visibility:?}"))
                    })?,
                },
            );
        }
    }
    Ok(found
        .into_iter()
        .filter_map(|(t, m)| {
            let (ticket, contact_name) = tickets.remove(&t)?;
            Some(TicketHit {
                ticket,
                contact_name,
                message: m.and_then(|m| messages.remove(&m)),
            })
        })
        .collect())
}

/// PostgreSQL: the newest contacts the text matches, as [`walk_matches`] does for messages —
/// the newest [`WALK_WINDOW`] contacts are walked, older ones searched through the GIN
/// bitmap (its order forced by sorting on an expression, which the index cannot give), so an
/// absent name costs a bounded walk instead of every contact.
async fn pg_contact_matches(
    pool: &DbPool,
    text: &TextQuery,
    limit: i64,
) -> StoreResult<Vec<DbRow>> {
    let newest: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(contact_id), 0) FROM search_contacts")
            .fetch_one(reader(pool))
            .await
            .map_err(db_err)?;
    let floor = newest.saturating_sub(WALK_WINDOW);
    let mut rows = sqlx::query(
        "SELECT c.id, c.name FROM search_contacts s JOIN contacts c ON c.id = s.contact_id \
         WHERE s.terms @@ CAST($1 AS tsquery) AND s.contact_id >= $2 \
         ORDER BY s.contact_id DESC LIMIT $3",
    )
    .persistent(false)
    .bind(text.tsquery())
    .bind(floor)
    .bind(limit)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    let found = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    if found < limit && floor > 0 {
        rows.extend(
            sqlx::query(
                "SELECT c.id, c.name FROM search_contacts s JOIN contacts c ON c.id = s.contact_id \
                 WHERE s.terms @@ CAST($1 AS tsquery) AND s.contact_id < $2 \
                 ORDER BY s.contact_id + 0 DESC LIMIT $3",
            )
            .persistent(false)
            .bind(text.tsquery())
            .bind(floor)
            .bind(limit - found)
            .fetch_all(reader(pool))
            .await
            .map_err(db_err)?,
        );
    }
    Ok(rows)
}

pub(crate) async fn search_contacts(
    pool: &DbPool,
    text: TextQuery,
    limit: i64,
) -> StoreResult<Vec<Contact>> {
    if text.is_empty() || limit <= 0 {
        return Ok(Vec::new());
    }
    let rows = if sqlite() {
        sqlx::query(
            "SELECT c.id, c.name FROM search_contacts \
             CROSS JOIN contacts c ON c.id = search_contacts.rowid \
             WHERE search_contacts MATCH $1 ORDER BY search_contacts.rowid DESC LIMIT $2",
        )
        .persistent(false)
        .bind(text.fts5())
        .bind(limit.min(1_000))
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?
    } else {
        pg_contact_matches(pool, &text, limit.min(1_000)).await?
    };
    let mut out = Vec::new();
    for r in &rows {
        let id = ContactId(r.try_get("id").map_err(db_err)?);
        out.push(Contact {
            id,
            name: r.try_get("name").map_err(db_err)?,
            handles: Vec::new(),
        });
    }
    if out.is_empty() {
        return Ok(out);
    }
    let mut b = Built::default();
    let ids = b.list(out.iter().map(|c| Arg::Int(c.id.0)));
    let rows = b
        .query(format!(
            "SELECT contact_id, kind, value FROM contact_handles WHERE contact_id IN {ids} \
             ORDER BY id"
        ))
        .fetch_all(reader(pool))
        .await
        .map_err(db_err)?;
    for r in &rows {
        let owner: i64 = r.try_get("contact_id").map_err(db_err)?;
        let h = handles_of(std::slice::from_ref(r))?;
        if let Some(c) = out.iter_mut().find(|c| c.id.0 == owner) {
            c.handles.extend(h);
        }
    }
    Ok(out)
}

pub(crate) async fn contacts_by_handle(
    pool: &DbPool,
    kind: &'static str,
    value: String,
) -> StoreResult<Vec<ContactId>> {
    let rows = sqlx::query(
        "SELECT DISTINCT contact_id FROM contact_handles \
         WHERE kind = $1 AND lower(value) = lower($2) ORDER BY contact_id",
    )
    .bind(kind)
    .bind(value)
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter()
        .map(|r| Ok(ContactId(r.try_get(0).map_err(db_err)?)))
        .collect()
}

// ---- the backlog ------------------------------------------------------------------------

/// Locks and reads the backlog mark of `name`.
async fn backlog_mark(c: &mut Conn, name: &str) -> StoreResult<i64> {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT below FROM search_backlog WHERE name = $1{FOR_UPDATE}"
    )))
    .bind(name)
    .fetch_optional(&mut *c)
    .await
    .map_err(db_err)
    .map(|v| v.unwrap_or(0))
}

async fn set_backlog_mark(c: &mut Conn, name: &str, below: i64) -> StoreResult<()> {
    sqlx::query("UPDATE search_backlog SET below = $2 WHERE name = $1")
        .bind(name)
        .bind(below)
        .execute(&mut *c)
        .await
        .map_err(db_err)?;
    Ok(())
}

pub(crate) async fn index_backlog(pool: &DbPool, batch: i64) -> StoreResult<u64> {
    let batch = batch.clamp(1, 10_000);
    let full = |n: usize| i64::try_from(n).unwrap_or(i64::MAX) >= batch;
    let mut tx = begin(pool).await.map_err(db_err)?;
    let mut done = 0u64;
    let below = backlog_mark(&mut tx, "messages").await?;
    if below > 0 {
        let rows = sqlx::query(
            "SELECT m.id, m.ticket_id, m.body, CASE WHEN m.id = \
             (SELECT MIN(x.id) FROM messages x WHERE x.ticket_id = m.ticket_id) \
             THEN t.subject END AS subject \
             FROM messages m JOIN tickets t ON t.id = m.ticket_id \
             WHERE m.id < $1 ORDER BY m.id DESC LIMIT $2",
        )
        .bind(below)
        .bind(batch)
        .fetch_all(&mut *tx)
        .await
        .map_err(db_err)?;
        let mut docs = Vec::with_capacity(rows.len());
        for r in &rows {
            let id: i64 = r.try_get("id").map_err(db_err)?;
            let ticket: i64 = r.try_get("ticket_id").map_err(db_err)?;
            let body: String = r.try_get("body").map_err(db_err)?;
            let subject: Option<String> = r.try_get("subject").map_err(db_err)?;
            docs.push((id, ticket, message_terms(subject.as_deref(), &body)));
        }
        write_docs(&mut tx, Docs::Messages, &docs, true).await?;
        done += u64::try_from(docs.len()).unwrap_or(0);
        let next = match docs.last() {
            Some((lowest, _, _)) if full(docs.len()) => *lowest,
            _ => 0,
        };
        set_backlog_mark(&mut tx, "messages", next).await?;
    }
    let below = backlog_mark(&mut tx, "contacts").await?;
    if below > 0 {
        let ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM contacts WHERE id < $1 ORDER BY id DESC LIMIT $2")
                .bind(below)
                .bind(batch)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err)?;
        let docs = contact_docs(&mut tx, &ids).await?;
        write_docs(&mut tx, Docs::Contacts, &docs, true).await?;
        done += u64::try_from(docs.len()).unwrap_or(0);
        let next = match ids.last() {
            Some(lowest) if full(ids.len()) => *lowest,
            _ => 0,
        };
        set_backlog_mark(&mut tx, "contacts", next).await?;
    }
    tx.commit().await.map_err(db_err)?;
    Ok(done)
}

// ---- saved views ------------------------------------------------------------------------

fn view_from_row(r: &DbRow) -> StoreResult<SavedView> {
    Ok(SavedView {
        id: SavedViewId(r.try_get("id").map_err(db_err)?),
        name: r.try_get("name").map_err(db_err)?,
        query: r.try_get("query").map_err(db_err)?,
        owner: lossless::ids::AgentId(r.try_get("owner_id").map_err(db_err)?),
        group: r
            .try_get::<Option<i64>, _>("group_id")
            .map_err(db_err)?
            .map(GroupId),
        updated_at: r
            .try_get::<DateTime<Utc>, _>("updated_at")
            .map_err(db_err)?,
    })
}

const VIEW_COLUMNS: &str = "id, name, query, owner_id, group_id, updated_at";

pub(crate) async fn saved_views(pool: &DbPool) -> StoreResult<Vec<SavedView>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VIEW_COLUMNS} FROM saved_views ORDER BY name, id"
    )))
    .fetch_all(reader(pool))
    .await
    .map_err(db_err)?;
    rows.iter().map(view_from_row).collect()
}

pub(crate) async fn saved_view(pool: &DbPool, id: SavedViewId) -> StoreResult<Option<SavedView>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VIEW_COLUMNS} FROM saved_views WHERE id = $1"
    )))
    .bind(id.0)
    .fetch_optional(reader(pool))
    .await
    .map_err(db_err)?;
    row.as_ref().map(view_from_row).transpose()
}

pub(crate) async fn save_view(
    pool: &DbPool,
    id: Option<SavedViewId>,
    d: SavedViewDraft,
    now: DateTime<Utc>,
) -> StoreResult<SavedView> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let row = match id {
        None => sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO saved_views (name, query, owner_id, group_id, updated_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {VIEW_COLUMNS}"
        )))
        .bind(&d.name)
        .bind(&d.query)
        .bind(d.owner.0)
        .bind(d.group.map(|g| g.0))
        .bind(to_micros(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err_ref)?,
        Some(id) => sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE saved_views SET name = $2, query = $3, group_id = $4, updated_at = $5 \
             WHERE id = $1 RETURNING {VIEW_COLUMNS}"
        )))
        .bind(id.0)
        .bind(&d.name)
        .bind(&d.query)
        .bind(d.group.map(|g| g.0))
        .bind(to_micros(now))
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err_ref)?,
    };
    let view = view_from_row(&row.ok_or(StoreError::NotFound)?)?;
    tx.commit().await.map_err(db_err)?;
    Ok(view)
}

pub(crate) async fn delete_view(pool: &DbPool, id: SavedViewId) -> StoreResult<()> {
    let mut tx = begin(pool).await.map_err(db_err)?;
    let gone = sqlx::query("DELETE FROM saved_views WHERE id = $1")
        .bind(id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?
        .rows_affected();
    if gone != 1 {
        return Err(StoreError::NotFound);
    }
    tx.commit().await.map_err(db_err)
}

#[cfg(test)]
mod tests {
    use super::planned_rows;

    #[test]
    fn the_estimate_is_read_from_the_plan_line() {
        let line =
            "Bitmap Heap Scan on search_messages s  (cost=60.17..16340.54 rows=4667 width=4)";
        assert_eq!(planned_rows(line), Some(4667.0));
        assert_eq!(
            planned_rows("Gather  (cost=1000.00..235937.35 rows=285872 width=4)"),
            Some(285_872.0)
        );
        assert_eq!(planned_rows("Result  (cost=0.00..0.01 width=4)"), None);
    }
}
