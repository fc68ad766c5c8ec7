//! UI texts in Russian (the default) and English, as one typed table per language.
//!
//! Invariants: both tables fill every field (the compiler enforces it: each table is one struct
//! literal) and no text is empty (a unit test checks it). Texts with a placeholder contain
//! `{n}`; put the value in with [`fill`]. The language of a request is the `lang` cookie
//! (`ru|en`), else the first supported language of `Accept-Language`, else Russian
//! ([`lang_from_headers`] on the server; the browser reads it back from `<html lang>`).
//!
//! Everything the user reads goes through these tables, including the texts of the server's
//! plain-HTML `/request` page, so the two surfaces never drift apart.

use lossless::ids::Lang;
use lossless::ticket::{Channel, Priority, Status};

/// Name of the cookie that stores the chosen language (`ru` or `en`).
pub const LANG_COOKIE: &str = "lang";

macro_rules! texts_table {
    ($($(#[$doc:meta])* $name:ident,)*) => {
        /// Every UI text of one language.
        #[derive(Debug)]
        pub struct Texts {
            $($(#[$doc])* pub $name: &'static str,)*
        }

        impl Texts {
            /// `(field name, text)` for every text (tests, tooling).
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($name), self.$name),)*]
            }
        }
    };
}

texts_table! {
    /// Product name.
    app_name,
    /// Label of the language switcher.
    language,
    /// Generic loading text.
    loading,
    /// Title of the not-found page (any unknown address).
    not_found_title,
    /// Body of the not-found page.
    not_found_text,
    /// Landing page: intro.
    home_intro,
    /// Landing page: link to the public request form.
    home_request_link,
    /// Landing page: link to the agent sign-in.
    home_agent_link,
    // ---- accounts (issue 6, point 1) ----
    /// Users page title and nav link.
    users_title,
    /// Users page: invite form heading.
    users_invite,
    /// Users page: name.
    users_name,
    /// Users page: role.
    users_role,
    /// Users page: groups.
    users_groups,
    /// Users page: account status.
    users_status,
    /// Users page: send the invitation.
    users_send_invite,
    /// Users page: the invitation went out.
    users_invite_sent,
    /// Users page: send the invitation again.
    users_resend,
    /// Users page: withdraw the invitation.
    users_revoke,
    /// Users page: switch the account off.
    users_deactivate,
    /// Users page: switch the account on again.
    users_reactivate,
    /// Users page: the signed-in admin's own row.
    users_you,
    /// Role: agent.
    role_agent,
    /// Role: manager.
    role_manager,
    /// Role: admin.
    role_admin,
    /// Account status: active.
    account_active,
    /// Account status: invited.
    account_invited,
    /// Account status: deactivated.
    account_deactivated,
    /// Audit page title and nav link.
    audit_title,
    /// Audit: when.
    audit_at,
    /// Audit: who.
    audit_actor,
    /// Audit: action.
    audit_action,
    /// Audit: what it was done to.
    audit_target,
    /// Audit: before/after.
    audit_details,
    /// Audit filter: anyone.
    audit_all_actors,
    /// Audit filter: any action.
    audit_all_actions,
    /// Audit filter: apply.
    audit_filter,
    /// Audit: newer page.
    audit_newer,
    /// Audit: older page.
    audit_older,
    /// Audit: nothing found.
    audit_empty,
    /// Audit action: invited.
    audit_invite_sent,
    /// Audit action: invited again.
    audit_invite_resent,
    /// Audit action: invitation withdrawn.
    audit_invite_revoked,
    /// Audit action: invitation accepted.
    audit_invite_accepted,
    /// Audit action: role changed.
    audit_role_changed,
    /// Audit action: deactivated.
    audit_agent_deactivated,
    /// Audit action: reactivated.
    audit_agent_reactivated,
    /// Audit action: password reset.
    audit_password_reset,
    /// Audit action: group routing changed.
    audit_group_routing_changed,
    /// Audit action: agent profile changed.
    audit_agent_profile_changed,
    /// Invite page title.
    invite_title,
    /// Invite page intro, `{n}` = name.
    invite_intro,
    /// Reset link page title.
    reset_new_title,
    /// Reset link page intro, `{n}` = name.
    reset_new_intro,
    /// Password field of the link pages.
    new_password,
    /// The password policy.
    password_hint,
    /// Set the password and sign in.
    set_password,
    /// Dead link page title.
    link_invalid_title,
    /// Dead link page text (the same for every reason).
    link_invalid_text,
    /// Reset request page title.
    reset_title,
    /// Reset request page intro.
    reset_intro,
    /// Reset request: send.
    reset_send,
    /// Reset request: the same answer for every address.
    reset_sent,
    /// Sign-in page: link to the reset request.
    login_forgot,
    /// Field code `too_short` (password).
    field_too_short,
    /// Field code `equals_email`.
    field_equals_email,
    /// Field code `last_admin`.
    field_last_admin,
    /// Field code `self`.
    field_self,

    // ---- errors (wire codes of `AppError`) ----
    /// `unauthenticated`.
    err_unauthenticated,
    /// `forbidden`.
    err_forbidden,
    /// `not_found`.
    err_not_found,
    /// `invalid` (see the field messages for details).
    err_invalid,
    /// `conflict`: the ticket moved on; the page reloaded it.
    err_conflict,
    /// `rate_limited`.
    err_rate_limited,
    /// `internal`; `{n}` is the reference the logs carry.
    err_internal,
    /// `unavailable`: the server could not be reached.
    err_unavailable,
    /// Field code `required`.
    field_required,
    /// Field code `invalid`.
    field_invalid,
    /// Field code `too_long`.
    field_too_long,
    /// Field code `taken`.
    field_taken,
    /// Field code `not_allowed` (a status move the state machine refuses).
    field_not_allowed,

    // ---- sign-in ----
    /// Sign-in page title.
    sign_in_title,
    /// Email label.
    email,
    /// Password label.
    password,
    /// Sign-in button.
    sign_in,
    /// Wrong email or password (same text for both).
    bad_credentials,
    /// Sign-out button.
    sign_out,

    // ---- agent header / queue ----
    /// Navigation: the queue.
    nav_queue,
    /// Live connection is up (tooltip / badge).
    live_on,
    /// Live connection is down; reconnecting.
    live_off,
    /// Queue page title.
    queue_title,
    /// View: all tickets.
    view_all,
    /// View: mine.
    view_mine,
    /// View: unassigned.
    view_unassigned,
    /// Filter label: status.
    filter_status,
    /// Filter label: priority.
    filter_priority,
    /// Status filter default (new, open, pending).
    filter_working_set,
    /// Priority filter default (every priority).
    filter_any_priority,
    /// Apply filters (no-JS fallback button).
    apply,
    /// Column: number.
    col_number,
    /// Column: subject.
    col_subject,
    /// Column: contact.
    col_contact,
    /// Column: status.
    col_status,
    /// Column: priority.
    col_priority,
    /// Column: assignee.
    col_assignee,
    /// Column: age.
    col_age,
    /// Empty queue.
    queue_empty,
    // ---- search and saved views (issue 6) ----
    /// Search page title.
    search_title,
    /// Accessible label of the search box.
    search_label,
    /// Placeholder of the search box.
    search_placeholder,
    /// Search button.
    search_button,
    /// Summary of the search syntax help.
    search_help_title,
    /// Help: word forms.
    search_help_words,
    /// Help: phrases and prefixes.
    search_help_phrase,
    /// Help: filters.
    search_help_filters,
    /// Help: ticket numbers.
    search_help_number,
    /// No results.
    search_empty,
    /// Heading of ticket results.
    search_tickets_heading,
    /// Heading of contact results.
    search_contacts_heading,
    /// Badge: the match is in an internal note.
    search_internal_note,
    /// Link: more results.
    search_more,
    /// The ticket named by number, `{n}` = number.
    search_exact,
    /// Link from a contact to their tickets.
    search_contact_tickets,
    /// An unknown filter key, `{n}` = key.
    search_err_unknown,
    /// A bad filter value, `{n}` = key.
    search_err_invalid,
    /// A group or agent named in a filter does not exist, `{n}` = key.
    search_err_missing,
    /// Empty search.
    search_err_required,
    /// Too long a query.
    search_err_too_long,
    /// Saved searches (heading and nav label).
    saved_views_title,
    /// Saved search: name field.
    saved_view_name,
    /// Saved search: sharing field.
    saved_view_share,
    /// Saved search: not shared.
    saved_view_private,
    /// Saved search: shared with group `{n}`.
    saved_view_group,
    /// Button: save the current search.
    saved_view_save,
    /// Saved search stored, `{n}` = name.
    saved_view_saved,
    /// Button: delete the open saved search.
    saved_view_delete,
    /// Saved search deleted.
    saved_view_deleted,
    /// Heading when a saved search is open, `{n}` = name.
    saved_view_open,
    /// Age under a minute.
    age_now,
    /// Age in minutes (`{n}`).
    age_minutes,
    /// Age in hours (`{n}`).
    age_hours,
    /// Age in days (`{n}`).
    age_days,

    // ---- statuses, priorities, channels (agents) ----
    /// Status `new`.
    status_new,
    /// Status `open`.
    status_open,
    /// Status `pending`.
    status_pending,
    /// Status `resolved`.
    status_resolved,
    /// Status `closed`.
    status_closed,
    /// Priority `low`.
    priority_low,
    /// Priority `normal`.
    priority_normal,
    /// Priority `high`.
    priority_high,
    /// Priority `urgent`.
    priority_urgent,
    /// Channel `web_form`.
    channel_web_form,
    /// Channel `api`.
    channel_api,
    /// Channel `email`.
    channel_email,
    /// Channel `agent`.
    channel_agent,

    // ---- ticket page ----
    /// Back link to the queue.
    back_to_queue,
    /// Label: contact.
    contact,
    /// Label: channel.
    channel,
    /// Label: created.
    created,
    /// Label: status.
    status,
    /// Label: priority.
    priority,
    /// Label: assignee.
    assignee,
    /// Label: group.
    group,
    /// Label: tags.
    tags,
    /// Nobody owns it.
    unassigned,
    /// No group.
    no_group,
    /// Unknown contact name.
    unknown_contact,
    /// Heading of the merged thread + history.
    timeline,
    /// Badge of an inbound message.
    msg_inbound,
    /// Badge of a public reply.
    msg_outbound,
    /// Badge of an internal note.
    msg_note,
    // ---- agents: email details on messages (issue 3) ----
    /// Disclosure: show the quoted earlier mail and signature.
    mail_show_quoted,
    /// Toggle: plain-text view.
    mail_view_text,
    /// Toggle: HTML view (sanitized, in a sandboxed frame).
    mail_view_html,
    /// Title of the sandboxed frame with the HTML view.
    mail_html_title,
    /// Link: download the raw original mail (.eml).
    mail_original,
    /// Heading of a message's attachments.
    mail_attachments,
    /// Marker: an inline image of the HTML view.
    mail_inline,
    /// An attachment over the size limit: not stored, kept in the original mail.
    mail_too_large,
    /// Heading of why intake put the mail here.
    mail_why,
    /// Why: the mailbox the mail arrived in; `{n}` = mailbox name.
    why_via,
    /// Why: another copy of this mail; `{n}` = mailbox name.
    why_duplicate,
    /// Why: our signed reference; `{n}` = header.
    why_signed_id,
    /// Why: a stored Message-ID; `{n}` = header.
    why_known_id,
    /// Why: our hidden marker in the text.
    why_body_marker,
    /// Why: ticket number in the subject from the contact; `{n}` = number.
    why_subject_contact,
    /// Why: ticket number in the subject from a participant; `{n}` = number.
    why_subject_participant,
    /// Why: a stranger quoted a ticket number; `{n}` = number.
    why_subject_stranger,
    /// Why: nothing referred to a ticket.
    why_no_reference,
    /// Why: the referenced ticket was closed.
    why_closed_new_linked,
    /// Why: the reply reopened the ticket.
    why_reopened,
    /// Why: classified as an automatic reply.
    why_auto_reply,
    /// Why: not acknowledged automatically (list, no-reply sender …).
    why_no_ack,
    /// Delivery: waiting to be sent.
    delivery_pending,
    /// Delivery: accepted by the mail server.
    delivery_sent,
    /// Delivery: failed; `{n}` = the error.
    delivery_failed,
    /// The system as an author.
    actor_system,
    /// The customer as an author.
    actor_customer,
    /// Reply form label.
    reply_label,
    /// Reply button.
    reply_send,
    /// Note form label.
    note_label,
    /// Note button.
    note_add,
    /// Shown after a successful save.
    saved,
    /// History: created (`{n}` = channel).
    h_created,
    /// History: status changed (`{n}` = "from → to").
    h_status,
    /// History: priority changed (`{n}` = "from → to").
    h_priority,
    /// History: assigned to `{n}`.
    h_assigned,
    /// History: unassigned.
    h_unassigned,
    /// History: moved to group `{n}`.
    h_group,
    /// History: removed from its group.
    h_group_removed,
    /// History: tag `{n}` added.
    h_tagged,
    /// History: tag `{n}` removed.
    h_untagged,
    /// History: the customer replied.
    h_customer_replied,
    /// History: an agent replied.
    h_agent_replied,
    /// History: a note was added.
    h_note_added,
    /// History: the acknowledgement was sent.
    h_acknowledged,
    /// History: the customer's email reply reopened the closed ticket.
    h_reopened_by_reply,
    /// History: this ticket continues closed ticket `{n}`.
    h_follow_up_of,
    /// History: a reply to this closed ticket continues in ticket `{n}`.
    h_continued_in,
    /// History: automation rule `{n}` applied (its changes follow).
    h_rule_fired,
    /// History: nobody in group `{n}` could take the ticket; it stays in the queue.
    h_no_agent_available,
    /// History: a rule notified `{n}` agents.
    h_rule_notified,
    /// History: a rule's status change `{n}` was not allowed and was skipped.
    h_rule_status_skipped,
    /// History: SLA warning, `{n}` = "<target>, <percent> %".
    h_sla_warned,
    /// History: SLA breached, `{n}` = "<target> (<policy>)".
    h_sla_breached,
    /// History: SLA target `{n}` met.
    h_sla_met,
    /// History: SLA target `{n}` met after its breach.
    h_sla_met_late,
    /// SLA target: first response.
    sla_first_response,
    /// SLA target: next response.
    sla_next_response,
    /// SLA target: resolution.
    sla_resolution,

    // ---- customer portal ----
    /// Portal page title.
    portal_title,
    /// Label before the ticket number.
    portal_number,
    /// Status label on the portal.
    portal_status,
    /// Friendly status: new.
    portal_status_new,
    /// Friendly status: open.
    portal_status_open,
    /// Friendly status: pending.
    portal_status_pending,
    /// Friendly status: resolved.
    portal_status_resolved,
    /// Friendly status: closed.
    portal_status_closed,
    /// Author label: the customer.
    portal_you,
    /// Author label: the team.
    portal_support,
    /// Reply form label.
    portal_reply_label,
    /// Reply button.
    portal_reply_send,
    /// Hint that a reply reopens a resolved request.
    portal_reply_reopens,
    /// Shown instead of the form on closed tickets.
    portal_closed,
    /// Not-found page title (unknown or invalid token).
    portal_not_found_title,
    /// Not-found page body.
    portal_not_found_text,

    // ---- public request form (/request, plain HTML served by the server) ----
    /// Page title.
    request_title,
    /// Intro paragraph.
    request_intro,
    /// Label: name.
    request_name,
    /// Label: email.
    request_email,
    /// Label: phone.
    request_phone,
    /// Hint: email or phone, at least one.
    request_contact_hint,
    /// Label: subject.
    request_subject,
    /// Label: message.
    request_message,
    /// Submit button.
    request_submit,
    /// "Your request #{n} has been received".
    request_received,
    /// Follow-up to the banner: bookmark this page.
    request_received_hint,
    /// Link text: track your request.
    request_track,
    /// Too many requests from this address.
    request_rate_limited,

    // ---- managers: mailboxes (/manage/channels) ----
    /// Navigation: the managers' channel screen.
    nav_channels,
    /// Field code `insecure`: plain IMAP/SMTP towards another machine.
    field_insecure,
    /// Channel screen title.
    channels_title,
    /// Channel screen intro.
    channels_intro,
    /// Button: reload the mailbox list.
    channels_refresh,
    /// No mailboxes yet.
    mb_empty,
    /// Column: mailbox (name and address).
    mb_col_mailbox,
    /// Column: where the settings live.
    mb_col_source,
    /// Column: IMAP endpoint.
    mb_col_imap,
    /// Column: SMTP endpoint.
    mb_col_smtp,
    /// Column: enabled.
    mb_col_enabled,
    /// Column: reply to a closed ticket.
    mb_col_policy,
    /// Column: health.
    mb_col_health,
    /// Source: configuration file.
    mb_source_config,
    /// Source: created in the UI.
    mb_source_ui,
    /// A configuration-file mailbox cannot be edited here (also the `read_only` error).
    mb_config_note,
    /// The mailbox sends nothing.
    mb_no_smtp,
    /// SMTP without a login.
    mb_no_auth,
    /// Yes.
    mb_yes,
    /// No.
    mb_no,
    /// Button: edit a mailbox.
    mb_edit,
    /// Button: add a mailbox.
    mb_add,
    /// Policy: new ticket linked to the closed one.
    policy_new_linked,
    /// Policy: reopen the closed ticket.
    policy_reopen,
    /// Health: label before the last fetch's relative time.
    health_last_fetch,
    /// Health: never fetched.
    health_never,
    /// Health: lag (`{n}` = duration).
    health_lag,
    /// Health: fetched, but never successfully.
    health_no_success,
    /// Health: mails in 24 h (`{n}`).
    health_received,
    /// Health: dead letters (`{n}`).
    health_dead,
    /// Health: replies waiting for SMTP (`{n}`).
    health_pending,
    /// Health: replies failed for good (`{n}`).
    health_failed,
    /// Health: the node fetching it (`{n}`).
    health_node,
    /// Health: label before the last error.
    health_error,
    /// A relative time (`{n}` = age).
    time_ago,
    /// A short duration in seconds (`{n}`).
    dur_seconds,
    /// Form heading: new mailbox.
    form_new_title,
    /// Form heading: editing mailbox `{n}`.
    form_edit_title,
    /// Field: mailbox name.
    f_name,
    /// Hint under the name.
    f_name_hint,
    /// Field: address customers write to.
    f_address,
    /// Fieldset: incoming mail.
    f_imap,
    /// Fieldset: outgoing mail.
    f_smtp,
    /// Field: host.
    f_host,
    /// Field: port.
    f_port,
    /// Field: transport security.
    f_security,
    /// Field: login name.
    f_user,
    /// Hint: empty SMTP login.
    f_smtp_user_hint,
    /// Hint: empty password keeps the stored one.
    f_password_keep,
    /// Checkbox: the mailbox sends replies.
    f_smtp_enabled,
    /// Field: seconds between passes.
    f_poll,
    /// Field: reply to a closed ticket.
    f_policy,
    /// Checkbox: fetch mail.
    f_enabled,
    /// Security: TLS.
    sec_tls,
    /// Security: STARTTLS.
    sec_starttls,
    /// Security: plain.
    sec_plain,
    /// Button: save the mailbox.
    mb_save,
    /// After a save (`{n}` = name).
    mb_saved,
    /// Button: test this mailbox.
    probe_button,
    /// While the test runs.
    probe_running,
    /// All probe steps passed.
    probe_ok,
    /// A probe step failed.
    probe_failed,
    /// Probe step: IMAP connection.
    step_imap_connect,
    /// Probe step: IMAP login.
    step_imap_login,
    /// Probe step: IMAP folders.
    step_imap_folders,
    /// Probe step: probe mail over SMTP.
    step_smtp_send,
    /// Dead-letter list title.
    dl_title,
    /// Dead-letter list intro.
    dl_intro,
    /// No dead letters.
    dl_empty,
    /// Column: received.
    dl_col_received,
    /// Column: size.
    dl_col_size,
    /// Column: from.
    dl_col_from,
    /// Column: error.
    dl_col_error,
    /// Column: last replay.
    dl_col_replay,
    /// Never replayed.
    dl_not_replayed,
    /// Button: replay.
    dl_replay,
    /// Size in bytes (`{n}`).
    size_bytes,
    /// Size in KiB (`{n}`).
    size_kib,
    /// Replay outcome: created a ticket.
    outcome_created,
    /// Replay outcome: appended.
    outcome_appended,
    /// Replay outcome: ignored.
    outcome_ignored,
    /// Replay outcome: still unreadable.
    outcome_dead_letter,
    /// Replay outcome: duplicate.
    outcome_duplicate,

    // ---- collision detection and keyboard shortcuts (issue 6) ----
    /// Ticket page: label of the bar naming who else is on the ticket.
    collision_label,
    /// Ticket page: `{n}` (an agent) has the ticket open.
    collision_viewing,
    /// Ticket page: `{n}` is typing a public reply.
    collision_typing_reply,
    /// Ticket page: `{n}` is typing an internal note.
    collision_typing_note,
    /// Queue: title of the eye mark on a row others have open (`{n}`: their names).
    queue_viewed_by,
    /// Ticket page: the "assign to me" button.
    assign_me,
    /// Shortcut help: title.
    kb_title,
    /// Shortcut help: the close button.
    kb_close,
    /// The button that opens the shortcut help.
    kb_open_hint,
    /// Shortcut help: section of queue keys.
    kb_section_queue,
    /// Shortcut help: section of ticket page keys.
    kb_section_ticket,
    /// Shortcut help: section of keys that work everywhere.
    kb_section_anywhere,
    /// Between two alternative keys ("j or ↓").
    kb_or,
    /// Between the keys of a sequence ("g then q").
    kb_then,
    /// Shortcut: select the next queue row.
    kb_down,
    /// Shortcut: select the previous queue row.
    kb_up,
    /// Shortcut: open the selected row.
    kb_open,
    /// Shortcut: focus the search box.
    kb_search,
    /// Shortcut: go to the queue.
    kb_go_queue,
    /// Shortcut: write a reply.
    kb_reply,
    /// Shortcut: write an internal note.
    kb_note,
    /// Shortcut: assign the ticket to me.
    kb_assign,
    /// Shortcut: the status control.
    kb_status,
    /// Shortcut: the canned-response picker.
    kb_canned,
    /// Shortcut: back to the queue.
    kb_back,
    /// Shortcut: Escape.
    kb_escape,
    /// Shortcut: this help.
    kb_help,

    // ---- managers: rules (/manage/rules, issue 4) ----
    /// Navigation / title: rules.
    rules_title,
    /// Page intro.
    rules_intro,
    /// Button: new rule.
    rules_new,
    /// No rules yet.
    rules_empty,
    /// Column: rule.
    rules_col_rule,
    /// Enabled toggle.
    rules_enabled,
    /// Move up.
    rules_up,
    /// Move down.
    rules_down,
    /// Edit.
    rules_edit,
    /// Delete.
    rules_delete,
    /// Delete confirmation question.
    rules_delete_confirm,
    /// Confirm delete.
    rules_delete_yes,
    /// Cancel / close.
    rules_cancel,
    /// Number of actions (`{n}`).
    rules_n_actions,
    /// A rule the form cannot show (`{n}` = name).
    rules_not_editable,
    /// Editor title: new.
    rules_new_title,
    /// Editor title: edit (`{n}` = name).
    rules_edit_title,
    /// Field: name.
    rules_name,
    /// Section: when.
    rules_when,
    /// Activator: created.
    rules_on_created,
    /// Activator: updated.
    rules_on_updated,
    /// Activator: customer replied.
    rules_on_customer_replied,
    /// Activator: timed.
    rules_on_timed,
    /// Watched fields hint.
    rules_watch_hint,
    /// Minutes.
    rules_minutes,
    /// Minutes after (timed activator).
    rules_minutes_after,
    /// Event: created.
    rules_time_created,
    /// Event: last customer reply.
    rules_time_customer_reply,
    /// Event: status change.
    rules_time_status_changed,
    /// Event: assignment.
    rules_time_assigned,
    /// Section: if.
    rules_if,
    /// All conditions.
    rules_match_all,
    /// Any condition.
    rules_match_any,
    /// No condition rows.
    rules_no_conditions,
    /// Negate a condition.
    rules_not,
    /// Row kind select label.
    rules_kind,
    /// Remove a row.
    rules_remove,
    /// Add condition.
    rules_add_condition,
    /// Section: then.
    rules_then,
    /// Add action.
    rules_add_action,
    /// Select placeholder.
    rules_choose,
    /// Condition: keywords.
    rules_c_keywords,
    /// Condition: phrase.
    rules_c_phrase,
    /// Condition: channel.
    rules_c_channel,
    /// Condition: mailbox.
    rules_c_mailbox,
    /// Condition: sender address.
    rules_c_sender,
    /// Condition: sender domain.
    rules_c_sender_domain,
    /// Condition: organisation.
    rules_c_organisation,
    /// Condition: VIP.
    rules_c_vip,
    /// Condition: language.
    rules_c_language,
    /// Condition: region.
    rules_c_region,
    /// Condition: tag.
    rules_c_tag,
    /// Condition: custom field.
    rules_c_custom_field,
    /// Condition: priority is.
    rules_c_priority_is,
    /// Condition: priority at least.
    rules_c_priority_at_least,
    /// Condition: status.
    rules_c_status,
    /// Condition: group.
    rules_c_group,
    /// Condition: no group.
    rules_c_no_group,
    /// Condition: owner.
    rules_c_owner,
    /// Condition: unowned.
    rules_c_unowned,
    /// Condition: business hours.
    rules_c_business_hours,
    /// Condition: older than.
    rules_c_older_than,
    /// Condition: suggested category.
    rules_c_category,
    /// Condition: contact id.
    rules_c_contact,
    /// Look in subject and body.
    rules_in_both,
    /// Look in subject.
    rules_in_subject,
    /// Look in body.
    rules_in_body,
    /// Keywords hint.
    rules_keywords_hint,
    /// Placeholder: keywords.
    rules_ph_keywords,
    /// Placeholder: phrase.
    rules_ph_phrase,
    /// Placeholder: mailbox.
    rules_ph_mailbox,
    /// Placeholder: sender.
    rules_ph_sender,
    /// Placeholder: domain.
    rules_ph_domain,
    /// Placeholder: organisation.
    rules_ph_organisation,
    /// Placeholder: region.
    rules_ph_region,
    /// Placeholder: tag.
    rules_ph_tag,
    /// Placeholder: field key.
    rules_ph_field,
    /// Placeholder: field value.
    rules_ph_field_value,
    /// Placeholder: minutes.
    rules_ph_minutes,
    /// Placeholder: category.
    rules_ph_category,
    /// Placeholder: confidence.
    rules_ph_confidence,
    /// Placeholder: contact id.
    rules_ph_contact,
    /// Placeholder: tags.
    rules_ph_tags,
    /// Placeholder: reply template.
    rules_ph_reply,
    /// Placeholder: notification text.
    rules_ph_notify,
    /// Action: set priority.
    rules_a_priority,
    /// Action: set group.
    rules_a_group,
    /// Action: add tags.
    rules_a_add_tags,
    /// Action: remove tags.
    rules_a_remove_tags,
    /// Action: assign.
    rules_a_assign,
    /// Action: set status.
    rules_a_status,
    /// Action: template reply.
    rules_a_reply,
    /// Action: notify.
    rules_a_notify,
    /// Assign by the group's strategy.
    rules_assign_strategy,
    /// Assign nobody.
    rules_assign_nobody,
    /// Reply placeholders hint.
    rules_reply_hint,
    /// Notify: managers.
    rules_notify_managers,
    /// Notify: owner.
    rules_notify_assignee,
    /// Notify: group (`{n}` = name).
    rules_notify_group,
    /// Notification placeholders hint.
    rules_notify_hint,
    /// Button: save.
    rules_save,
    /// After a save.
    rules_saved,
    /// Button: try it.
    rules_try,
    /// While trying.
    rules_trying,
    /// Try summary (`{n}` of `{m}`).
    rules_try_summary,
    /// Try column: number.
    rules_try_number,
    /// Try column: changes.
    rules_try_changes,
    /// Timeline actor: a rule (`{n}` = its name).
    actor_rule,
    /// Language: Russian.
    rules_lang_ru,
    /// Language: English.
    rules_lang_en,

    // ---- team: presence, notifications, routing (issue 4) ----
    /// Presence: online.
    presence_online,
    /// Presence: away (set, or online but idle).
    presence_away,
    /// Presence: offline.
    presence_offline,
    /// Header: label of the presence selector.
    presence_label,
    /// Header: tooltip when set online but shown away for idling.
    presence_idle,
    /// Header: the notification bell (button label and list heading).
    bell_title,
    /// Header: unread count (`{n}`), for screen readers.
    bell_unread,
    /// Bell: no notifications.
    bell_empty,
    /// Bell: mark all read.
    bell_mark_read,
    /// Bell: link to the ticket (`{n}` = number).
    bell_open_ticket,
    /// Navigation / title: the manager dashboard (`/manage`).
    nav_dashboard,
    /// Dashboard: the totals strip (accessible name).
    board_totals,
    /// Dashboard total: tickets new, open or pending.
    board_working,
    /// Dashboard: new and open tickets (waiting for the team).
    board_open,
    /// Dashboard: tooltip of the open count.
    board_open_hint,
    /// Dashboard: pending tickets (waiting for the customer).
    board_pending,
    /// Dashboard total: tickets listed at SLA risk.
    board_at_risk_total,
    /// Dashboard section: the team's load.
    board_agents,
    /// Dashboard column: working-set tickets of the capacity.
    board_load,
    /// Dashboard: tooltip of the load column.
    board_load_hint,
    /// Dashboard column: the longest wait.
    board_waiting,
    /// Dashboard: what the wait measures.
    board_waiting_hint,
    /// Dashboard: a wait, `{n}` = duration.
    board_waiting_for,
    /// Dashboard: nothing waiting.
    board_no_wait,
    /// Dashboard section: group queues.
    board_groups,
    /// Dashboard column: a group's working-set tickets.
    board_queue,
    /// Dashboard section: the oldest unassigned tickets.
    board_unassigned,
    /// Dashboard: nothing unassigned.
    board_unassigned_none,
    /// Dashboard: rows shown of a total, `{n}` = total.
    board_of_total,
    /// Dashboard section: tickets at SLA risk.
    board_at_risk,
    /// Dashboard: what at risk means, `{n}` = minutes.
    board_at_risk_hint,
    /// Dashboard: nothing at risk.
    board_at_risk_none,
    /// Dashboard: the list is cut, `{n}` = rows shown.
    board_more,
    /// Dashboard: the assignee picker of a row (accessible name).
    board_assign,
    /// Dashboard: a reassignment was saved, `{n}` = ticket number and agent.
    board_assigned,
    /// Dashboard: a ticket was unassigned, `{n}` = ticket number.
    board_unassigned_done,
    /// Navigation / title: the team screen.
    nav_team,
    /// Team screen: groups heading.
    team_groups,
    /// Team screen: agents heading.
    team_agents,
    /// Team screen: no groups yet.
    team_no_groups,
    /// Team screen: group column.
    team_group,
    /// Team screen: strategy column.
    team_strategy,
    /// Strategy: manual.
    strategy_manual,
    /// Strategy: round robin.
    strategy_round_robin,
    /// Strategy: least loaded.
    strategy_least_loaded,
    /// Team screen: prefer members speaking the ticket's language.
    team_match_language,
    /// Team screen: prefer members with a skill matching a tag.
    team_match_skills,
    /// Team screen: back to the customer's previous agent.
    team_prefer_previous,
    // ---- group visibility (issue 6, 1b) ----
    /// Team screen: the group's tickets are visible to its members and managers only.
    team_restricted,
    /// Field error: the agent is not a member of the ticket's restricted group.
    field_not_member,
    /// Team screen: agent column.
    team_agent,
    /// Team screen: presence column.
    team_presence,
    /// Team screen: open tickets column.
    team_open,
    /// Team screen: capacity column.
    team_capacity,
    /// Team screen: capacity explanation.
    team_capacity_hint,
    /// Team screen: languages column.
    team_languages,
    /// Team screen: skills column.
    team_skills,
    /// Team screen: skills placeholder.
    team_skills_hint,
    /// Team screen: save one row.
    team_save,
    /// Language name: Russian.
    lang_ru,
    /// Language name: English.
    lang_en,
    /// Ticket side panel: customer profile heading.
    profile_title,
    /// Ticket side panel: VIP checkbox.
    profile_vip,
    /// Ticket side panel: organisation field.
    profile_organisation,
    /// Ticket side panel: region field.
    profile_region,
    /// Ticket side panel: save the profile.
    profile_save,
    // ---- contacts (issue 6, point 6) ----
    /// History: the customer was merged from a duplicate contact ({n}: its name).
    h_contact_merged,
    /// Contact: the name field.
    contact_name,
    /// Contact: shown for a contact without a name.
    contact_unnamed,
    /// Contact: heading of the handles (addresses, numbers).
    contact_handles,
    /// Contact: the email handle kind.
    contact_kind_email,
    /// Contact: the phone handle kind.
    contact_kind_phone,
    /// Contact: add a handle row.
    contact_add_handle,
    /// Contact: remove a handle row.
    contact_remove_handle,
    /// Contact: the notes field (agents only).
    contact_notes,
    /// Contact: heading of the contact's tickets.
    contact_tickets,
    /// Contact: open tickets ({n}: how many).
    contact_open_count,
    /// Contact: all tickets ({n}: how many).
    contact_total_count,
    /// Contact: no tickets.
    contact_no_tickets,
    /// Contact panel: link to the contact page with every ticket.
    contact_show_all,
    /// Contact panel: link to the contact page.
    contact_open_page,
    /// Contact: start editing.
    contact_edit,
    /// Contact: save the edit.
    contact_save,
    /// Contact: cancel the edit.
    contact_cancel,
    /// Contact page: title.
    contact_page_title,
    /// Contact: column of the last activity.
    contact_last_activity,
    /// Contact page: heading of the merge.
    contact_merge_title,
    /// Contact page: what a merge does.
    contact_merge_hint,
    /// Contact page: the search field of the merge.
    contact_merge_search,
    /// Contact page: run the search.
    contact_merge_find,
    /// Contact page: the search found nothing.
    contact_merge_none,
    /// Contact page: merge this found contact.
    contact_merge_pick,
    /// Contact page: confirm the merge ({n}: the duplicate's name).
    contact_merge_confirm,
    /// Contact page: the confirming button.
    contact_merge_yes,
    /// Contact page: a merge is done ({n}: tickets moved).
    contact_merged,
    /// Field code `other_contact`: the handle belongs to another contact.
    field_other_contact,

    // ---- classifier suggestions (issue 4) ----
    /// Ticket side panel: heading of the classifier's suggestions.
    suggest_title,
    /// Suggestion: label before the category.
    suggest_category,
    /// Suggestion: label before the tags.
    suggest_tags,
    /// Suggestion: label before the priority.
    suggest_priority,
    /// Suggestion: a confidence, `{n}` = percent.
    suggest_confidence,
    /// Suggestion: what it is (tooltip).
    suggest_hint,

    // ---- SLA (issue 5) ----
    /// Queue view: SLA at risk (breached or due within the hour).
    view_sla_at_risk,
    /// Queue column: SLA.
    col_sla,
    /// Ticket page: SLA panel heading.
    sla_title,
    /// Ticket page: no SLA clocks.
    sla_none,
    /// Badge: due in `{n}`.
    sla_in,
    /// Badge: overdue by `{n}`.
    sla_overdue,
    /// Badge: breached (no instant known).
    sla_breached,
    /// Badge: paused while waiting for the customer.
    sla_paused,
    /// Badge: running, no deadline (calendar never open).
    sla_no_deadline,
    /// Clock: met at `{n}`.
    sla_met_at,
    /// Clock: ended (resolved) at `{n}`.
    sla_ended_at,
    /// Clock or measurement: after its breach.
    sla_late,
    /// Clock: the target is `{n}` of business time.
    sla_target_of,
    /// Measurement: met in `{n}` of business time.
    sla_m_met,
    /// Measurement: breached at `{n}`.
    sla_m_breached,
    /// SLA policies page title and navigation.
    sla_policies_title,
    /// SLA policies page intro.
    sla_policies_intro,
    /// Button and editor title: new policy.
    sla_policy_new,
    /// No policies.
    sla_policies_empty,
    /// Column: policy.
    sla_col_policy,
    /// Delete question.
    sla_policy_delete_confirm,
    /// Editor title, `{n}` = name.
    sla_policy_edit_title,
    /// Fieldset: targets.
    sla_targets,
    /// Targets hint.
    sla_targets_hint,
    /// Fieldset: calendar and warnings.
    sla_timing,
    /// Calendar select: none chosen.
    sla_calendar_fallback,
    /// Warning shares field.
    sla_warn_at,
    /// Fieldset: on breach.
    sla_on_breach,
    /// On-breach hint.
    sla_on_breach_hint,
    /// On breach: raise priority.
    sla_raise_priority,
    /// On breach: move to group.
    sla_move_to_group,
    /// SLA policy: on breach, hand the ticket to another agent by the group's strategy.
    sla_reassign,

    // ---- my settings: email alerts (issue 6) ----
    /// Nav link and title of `/agent/settings`.
    settings_title,
    /// Fieldset: email alerts.
    settings_email_title,
    /// Hint under it.
    settings_email_hint,
    /// Email when assigned to me.
    pref_assigned,
    /// Email when the customer replies on my ticket.
    pref_customer_replied,
    /// Email when mentioned.
    pref_mentioned,
    /// Email SLA warnings and breaches.
    pref_sla,
    // ---- my settings: language and time zone (issue 6, point 10) ----
    /// Fieldset: language and time zone.
    settings_display_title,
    /// Hint under it.
    settings_display_hint,
    /// Time zone field.
    settings_time_zone,
    /// Placeholder of the time zone field.
    settings_time_zone_placeholder,
    /// Button: save the language or the time zone.
    settings_save,
    /// The time zone was stored, `{n}` = zone.
    settings_time_zone_saved,
    /// Move select: stay.
    sla_no_move,
    /// Calendars page title and navigation.
    cal_title,
    /// Calendars page intro.
    cal_intro,
    /// Button and title: new calendar.
    cal_new,
    /// No calendars.
    cal_empty,
    /// Editor title, `{n}` = name.
    cal_edit_title,
    /// 24/7 checkbox and summary.
    cal_always_open,
    /// Summary: `{n}` dated overrides.
    cal_n_overrides,
    /// Mark of the default calendar.
    cal_default_mark,
    /// Delete question.
    cal_delete_confirm,
    /// Time zone field.
    cal_tz,
    /// Default checkbox.
    cal_is_default,
    /// Fieldset: weekly hours.
    cal_week,
    /// Spans format hint.
    cal_spans_hint,
    /// Fieldset: dated overrides.
    cal_overrides,
    /// Override: closed all day (also the empty weekday placeholder).
    cal_closed,
    /// Override: hours.
    cal_hours,
    /// Override: date.
    cal_date,
    /// Add an override.
    cal_add_override,
    /// Fieldset: import holidays.
    cal_import,
    /// Import: format.
    cal_import_format,
    /// Format: Russian production calendar XML.
    cal_format_production,
    /// Format: iCal.
    cal_format_ical,
    /// Import: file text.
    cal_import_text,
    /// Import button.
    cal_import_run,
    /// Import done: `{n}` dates.
    cal_imported,
    /// Import needs a saved calendar.
    cal_import_save_first,
    /// Import: file too large.
    cal_import_too_large,
    /// Import: not this format.
    cal_import_bad_format,
    /// Import: error on line `{n}`.
    cal_import_bad_line,
    /// Section: each group's calendar.
    cal_groups,
    /// Group calendars hint.
    cal_groups_hint,
    /// Group calendar select: none.
    cal_group_default,
    /// Monday.
    day_mon,
    /// Tuesday.
    day_tue,
    /// Wednesday.
    day_wed,
    /// Thursday.
    day_thu,
    /// Friday.
    day_fri,
    /// Saturday.
    day_sat,
    /// Sunday.
    day_sun,
    // ---- canned responses and macros (issue 6) ----
    /// Canned responses page title and navigation.
    canned_title,
    /// Canned responses page intro.
    canned_intro,
    /// Button and editor title: new response.
    canned_new,
    /// Search field label (page and picker).
    canned_search,
    /// No responses at all.
    canned_empty,
    /// No response matches the search.
    canned_no_match,
    /// Mark: shared response.
    canned_shared,
    /// Mark: personal response.
    canned_personal,
    /// Mark: the response has actions.
    canned_macro,
    /// Delete question, `{n}` = title.
    canned_delete_confirm,
    /// Editor title, `{n}` = title.
    canned_edit_title,
    /// Field: title.
    canned_f_title,
    /// Field: shortcut.
    canned_f_shortcut,
    /// Shortcut hint.
    canned_shortcut_hint,
    /// Field: text.
    canned_f_body,
    /// Text hint.
    canned_body_hint,
    /// Checkbox: shared.
    canned_f_shared,
    /// Placeholder help title.
    canned_placeholders,
    /// Placeholder help text.
    canned_placeholders_hint,
    /// Fieldset: macro actions.
    canned_actions,
    /// Macro actions hint.
    canned_actions_hint,
    /// Select option: do not change.
    canned_keep,
    /// Assign option: whoever applies the macro.
    canned_assign_me,
    /// Assign option: unassign.
    canned_assign_nobody,
    /// Field: tags to add.
    canned_add_tags,
    /// Field: tags to remove.
    canned_remove_tags,
    /// Tags fields hint.
    canned_tags_hint,
    /// Preview title.
    canned_preview,
    /// Body error: unknown placeholder `{n}`.
    canned_unknown_placeholder,
    /// Body error: `{{` without `}}`.
    canned_unclosed_placeholder,
    /// Placeholder: customer name.
    ph_customer_name,
    /// Placeholder: customer first name.
    ph_customer_first_name,
    /// Placeholder: customer email.
    ph_customer_email,
    /// Placeholder: customer phone.
    ph_customer_phone,
    /// Placeholder: ticket number.
    ph_ticket_number,
    /// Placeholder: ticket subject.
    ph_ticket_subject,
    /// Placeholder: agent name.
    ph_agent_name,
    /// Placeholder: agent first name.
    ph_agent_first_name,
    /// Placeholder: agent email.
    ph_agent_email,
    /// Placeholder: the ticket's group.
    ph_group_name,
    /// Action: status, `{n}` = status.
    canned_a_status,
    /// Action: priority, `{n}` = priority.
    canned_a_priority,
    /// Action: assign, `{n}` = agent.
    canned_a_assign,
    /// Action: assign to whoever applies it.
    canned_a_assign_me,
    /// Action: unassign.
    canned_a_unassign,
    /// Action: add tag `{n}`.
    canned_a_add_tag,
    /// Action: remove tag `{n}`.
    canned_a_remove_tag,
    /// Composer button.
    canned_button,
    /// Composer button tooltip.
    canned_button_title,
    /// Picker link to the management page.
    canned_manage_link,
    /// Composer: a chosen macro, `{n}` = title.
    canned_pending,
    /// Composer: when the macro applies.
    canned_on_send,
    /// Composer: apply the macro now.
    canned_apply_now,
    /// Composer: drop the chosen macro.
    canned_discard,
    /// Composer: the macro was applied, `{n}` = title.
    canned_applied,
    /// Saved notice.
    canned_saved,
    /// Deleted notice.
    canned_deleted,
    // ---- bulk, merge, links (issue 6, point 4) ----
    /// History: this ticket was merged into `{n}`.
    h_merged_into,
    /// History: ticket `{n}` was merged into this one.
    h_merged_from,
    /// History: linked with ticket `{n}`.
    h_linked,
    /// History: the link with ticket `{n}` was removed.
    h_unlinked,
    /// Queue: the select-all checkbox's label.
    bulk_select_all,
    /// Queue: a row checkbox's label, `{n}` = number.
    bulk_select_row,
    /// Bulk bar: how many are selected, `{n}`.
    bulk_selected,
    /// Bulk bar: the assignee picker.
    bulk_assign,
    /// Bulk bar: assign to me.
    bulk_assign_me,
    /// Bulk bar: assign to nobody.
    bulk_unassign,
    /// Bulk bar: the status picker.
    bulk_status,
    /// Bulk bar: leave this field as it is.
    bulk_keep,
    /// Bulk bar: tag to add.
    bulk_add_tag,
    /// Bulk bar: tag to remove.
    bulk_remove_tag,
    /// Bulk bar: apply the change.
    bulk_apply,
    /// Bulk bar: clear the selection.
    bulk_clear,
    /// Bulk bar: merge the selected tickets into the one picked.
    bulk_merge_into,
    /// Bulk bar: the merge button.
    bulk_merge,
    /// Bulk result: `{n}` tickets changed.
    bulk_changed,
    /// Bulk result: `{n}` tickets skipped.
    bulk_skipped,
    /// Bulk result: merged into ticket `{n}`.
    bulk_merged,
    /// Merge: the tickets have different customers (a manager may confirm).
    merge_confirm_other,
    /// Merge refused: a ticket into itself.
    merge_err_self,
    /// Merge refused: a ticket was merged already.
    merge_err_merged,
    /// Merge refused: the target is closed.
    merge_err_closed,
    /// Ticket page: related tickets panel.
    rel_title,
    /// Ticket page: no related tickets.
    rel_none,
    /// Ticket page: the number field's label.
    rel_number,
    /// Ticket page: add the link.
    rel_add,
    /// Ticket page: remove a link.
    rel_remove,
    /// Ticket page: this ticket was merged into the one linked.
    rel_merged_into,
    /// Ticket page: tickets merged into this one.
    rel_merged_from,
    /// Link refused: no ticket has that number.
    rel_err_unknown,
    /// Link refused: a ticket with itself.
    rel_err_self,
    /// Link refused: already linked.
    rel_err_taken,
    // ---- widget (issue 7, widget-backend) ----
    /// Channel name: the site widget.
    channel_widget,
    /// Contact handle kind: an anonymous visitor of the site widget.
    contact_kind_visitor,
    // ---- widget frame and visitor (issue 7, widget-frame) ----
    /// Widget frame: close button.
    wf_close,
    /// Widget frame: loading.
    wf_loading,
    /// Widget frame: the chat could not start.
    wf_unavailable,
    /// Widget frame: the connection dropped.
    wf_reconnecting,
    /// Widget frame: request form intro when chat is off.
    wf_offline_chat_off,
    /// Widget frame: request form intro outside working hours.
    wf_offline_hours,
    /// Widget frame: request form intro when nobody is available.
    wf_offline_nobody,
    /// Widget frame: name field.
    wf_name,
    /// Widget frame: email field.
    wf_email,
    /// Widget frame: message field of the request form.
    wf_message,
    /// Widget frame: phone field.
    wf_phone,
    /// Widget frame: when to call.
    wf_preferred_time,
    /// Widget frame: example of a preferred time.
    wf_preferred_time_hint,
    /// Widget frame: callback topic.
    wf_topic,
    /// Widget frame: send a form.
    wf_submit,
    /// Widget frame: request form sent, `{n}` = number.
    wf_request_sent,
    /// Widget frame: open the callback form.
    wf_callback_open,
    /// Widget frame: callback form title.
    wf_callback_title,
    /// Widget frame: send the callback form.
    wf_callback_submit,
    /// Widget frame: callback form sent, `{n}` = number.
    wf_callback_sent,
    /// Widget frame: back to the chat.
    wf_back,
    /// Widget frame: answer a bot step.
    wf_bot_next,
    /// Widget frame: skip an optional bot step.
    wf_bot_skip,
    /// Widget frame: hand over to a person.
    wf_bot_person,
    /// Widget frame: bot answer field.
    wf_bot_answer,
    /// Widget frame: file field of a screenshot step.
    wf_file,
    /// Widget frame: attach a file to a chat message.
    wf_attach,
    /// Widget frame: chat message field.
    wf_composer,
    /// Widget frame: send a chat message.
    wf_send,
    /// Widget frame: an agent types.
    wf_typing,
    /// Widget frame: the visitor's own messages.
    wf_you,
    /// Widget frame: an agent without a name.
    wf_support,
    /// Widget frame: a file is uploading.
    wf_uploading,
    /// Widget frame: remove an attached file, `{n}` = name.
    wf_remove_file,
    /// Widget frame: a message or form was not sent.
    wf_failed,
    /// Widget frame: field error `required`.
    wf_err_required,
    /// Widget frame: field error `invalid`.
    wf_err_invalid,
    /// Widget frame: field error `too_long`.
    wf_err_too_long,
    /// Widget frame: the file is over the limit.
    wf_err_too_large,
    /// Widget frame: rate limited.
    wf_err_rate,
    /// Widget frame: unknown or inactive site.
    wf_not_found,
    /// Widget frame: the conversation's number, `{n}`.
    wf_thread,
    /// Ticket page: the widget visitor's box.
    vis_title,
    /// Ticket page: the page the visitor is on.
    vis_page,
    /// Ticket page: the visitor types.
    vis_typing,
    /// Ticket page: the visitor's widget is connected.
    vis_online,
    /// Ticket page: the visitor was last seen at `{n}`.
    vis_seen,
    // ---- widget sites admin (issue 7, notices) ----
    /// Managers: the widget sites screen and its navigation link.
    ws_title,
    /// Widget sites: what the screen is for.
    ws_intro,
    /// Widget sites: add a site.
    ws_new,
    /// Widget sites: none yet.
    ws_empty,
    /// Widget sites: site name.
    ws_name,
    /// Widget sites: the public key.
    ws_key,
    /// Widget sites: on/off column.
    ws_status,
    /// Widget sites: the site is on.
    ws_active,
    /// Widget sites: the site is off.
    ws_inactive,
    /// Widget sites: switch a site on.
    ws_activate,
    /// Widget sites: switch a site off.
    ws_deactivate,
    /// Widget sites: edit a site.
    ws_edit,
    /// Widget sites: editor title for a stored site.
    ws_edit_title,
    /// Widget sites: accent colour.
    ws_colour,
    /// Widget sites: Russian greeting.
    ws_greeting_ru,
    /// Widget sites: English greeting.
    ws_greeting_en,
    /// Widget sites: languages offered.
    ws_languages,
    /// Widget sites: which language comes first.
    ws_lang_default,
    /// Widget sites: working hours (business calendar).
    ws_calendar,
    /// Widget sites: no calendar.
    ws_calendar_none,
    /// Widget sites: allowed origins.
    ws_origins,
    /// Widget sites: how to type origins.
    ws_origins_hint,
    /// Widget sites: group for the site's tickets.
    ws_group,
    /// Widget sites: no group, routing rules decide.
    ws_group_none,
    /// Widget sites: live chat on.
    ws_chat,
    /// Widget sites: callback form on.
    ws_callback,
    /// Widget sites: bot questions heading.
    ws_bot,
    /// Widget sites: what the bot does.
    ws_bot_hint,
    /// Widget sites: bot step key.
    ws_bot_key,
    /// Widget sites: what the step asks for.
    ws_bot_ask,
    /// Widget sites: free text step.
    ws_ask_text,
    /// Widget sites: order number step.
    ws_ask_order,
    /// Widget sites: screenshot step.
    ws_ask_screenshot,
    /// Widget sites: Russian question.
    ws_bot_prompt_ru,
    /// Widget sites: English question.
    ws_bot_prompt_en,
    /// Widget sites: the step is required.
    ws_bot_required,
    /// Widget sites: add a bot step.
    ws_bot_add,
    /// Widget sites: remove a bot step.
    ws_bot_remove,
    /// Widget sites: move a bot step up.
    ws_bot_up,
    /// Widget sites: move a bot step down.
    ws_bot_down,
    /// Widget sites: customer notices heading.
    ws_notices,
    /// Widget sites: notice when taken into work.
    ws_notice_taken,
    /// Widget sites: notice when waiting for the customer.
    ws_notice_waiting,
    /// Widget sites: notice when resolved.
    ws_notice_resolved,
    /// Widget sites: reminders while waiting.
    ws_notice_reminder,
    /// Widget sites: save the site.
    ws_save,
    /// Widget sites: close the editor.
    ws_close,
    /// Widget sites: saved.
    ws_saved,
    /// Widget sites: embed snippet heading.
    ws_snippet,
    /// Widget sites: where to put the snippet.
    ws_snippet_hint,
    /// Widget sites: copy the snippet.
    ws_copy,
    /// Widget sites: the snippet was copied.
    ws_copied,
    // ---- audit (configuration changes) ----
    /// Audit action: rule created.
    audit_rule_created,
    /// Audit action: rule changed.
    audit_rule_updated,
    /// Audit action: rule deleted.
    audit_rule_deleted,
    /// Audit action: sla policy created.
    audit_sla_policy_created,
    /// Audit action: sla policy changed.
    audit_sla_policy_updated,
    /// Audit action: sla policy deleted.
    audit_sla_policy_deleted,
    /// Audit action: business calendar created.
    audit_sla_calendar_created,
    /// Audit action: business calendar changed.
    audit_sla_calendar_updated,
    /// Audit action: business calendar deleted.
    audit_sla_calendar_deleted,
    /// Audit action: mailbox added.
    audit_mailbox_created,
    /// Audit action: mailbox changed.
    audit_mailbox_updated,
    /// Field error: the agent is invited or switched off (cannot own tickets).
    field_inactive,
    /// Audit action: shared canned response created.
    audit_canned_created,
    /// Audit action: shared canned response changed.
    audit_canned_updated,
    /// Audit action: shared canned response deleted.
    audit_canned_deleted,
    // ---- customer portal sign-in (issue 7, point 5) ----
    /// The portal's start page title.
    pt_home_title,
    /// Heading: sign-in by an email link.
    pt_signin_title,
    /// What the sign-in form does.
    pt_signin_intro,
    /// Button: mail me a link.
    pt_signin_send,
    /// The neutral answer to a link request.
    pt_signin_sent,
    /// Heading: find one request by number and email.
    pt_lookup_title,
    /// What the lookup form needs.
    pt_lookup_intro,
    /// Field: request number.
    pt_lookup_number,
    /// Button: open the request found.
    pt_lookup_send,
    /// The neutral answer of a failed lookup.
    pt_lookup_not_found,
    /// Heading of the sign-in link's page.
    pt_link_title,
    /// What the sign-in link's button does.
    pt_link_intro,
    /// Button: use the sign-in link.
    pt_link_go,
    /// Heading: the sign-in link opens nothing.
    pt_link_dead_title,
    /// Why a sign-in link may not work.
    pt_link_dead_text,
    /// Link: ask for a new sign-in link.
    pt_link_dead_again,
    /// Heading of the signed-in customer's list.
    pt_list_title,
    /// The list has no tickets.
    pt_list_empty,
    /// Column: number.
    pt_col_number,
    /// Column: subject.
    pt_col_subject,
    /// Column: status.
    pt_col_status,
    /// Column: channel.
    pt_col_channel,
    /// Column: last change.
    pt_col_updated,
    /// Button: end the portal session.
    pt_sign_out,
    /// Without a portal session.
    pt_need_sign_in,
    /// Link back to the list.
    pt_back_to_list,
    /// Field: files to attach.
    pt_files_label,
    /// Hint under the file field.
    pt_files_hint,
    /// A file described but not stored.
    pt_file_not_kept,
    /// Heading: the reply was not sent.
    pt_err_title,
    /// Files over the size limit (413).
    pt_err_too_large,
    /// Too many files.
    pt_err_too_many,
    /// The reply has no text.
    pt_err_body,
    /// Link back to the ticket.
    pt_err_back,
}

/// Russian texts (default).
pub static RU: Texts = Texts {
    app_name: "Lossless",
    language: "Язык",
    loading: "Загрузка…",
    not_found_title: "Страница не найдена",
    not_found_text: "Такой страницы нет. Проверьте адрес.",
    home_intro: "Служба поддержки: все обращения в одной очереди.",
    home_request_link: "Оставить обращение",
    home_agent_link: "Вход для сотрудников",
    // ---- accounts (issue 6, point 1) ----
    users_title: "Пользователи",
    users_invite: "Пригласить сотрудника",
    users_name: "Имя",
    users_role: "Роль",
    users_groups: "Группы",
    users_status: "Статус",
    users_send_invite: "Отправить приглашение",
    users_invite_sent: "Приглашение отправлено.",
    users_resend: "Отправить снова",
    users_revoke: "Отозвать",
    users_deactivate: "Отключить",
    users_reactivate: "Включить",
    users_you: "это вы",
    role_agent: "Агент",
    role_manager: "Менеджер",
    role_admin: "Администратор",
    account_active: "Активен",
    account_invited: "Приглашён",
    account_deactivated: "Отключён",
    audit_title: "Журнал изменений",
    audit_at: "Когда",
    audit_actor: "Кто",
    audit_action: "Действие",
    audit_target: "Объект",
    audit_details: "Подробности",
    audit_all_actors: "Все сотрудники",
    audit_all_actions: "Все действия",
    audit_filter: "Показать",
    audit_newer: "← Новее",
    audit_older: "Старее →",
    audit_empty: "Записей нет.",
    audit_invite_sent: "Приглашение отправлено",
    audit_invite_resent: "Приглашение отправлено повторно",
    audit_invite_revoked: "Приглашение отозвано",
    audit_invite_accepted: "Приглашение принято",
    audit_role_changed: "Роль изменена",
    audit_agent_deactivated: "Сотрудник отключён",
    audit_agent_reactivated: "Сотрудник включён",
    audit_password_reset: "Пароль сброшен",
    audit_group_routing_changed: "Распределение в группе изменено",
    audit_agent_profile_changed: "Профиль сотрудника изменён",
    invite_title: "Задайте пароль",
    invite_intro: "Добро пожаловать, {n}! Задайте пароль, чтобы войти",
    reset_new_title: "Новый пароль",
    reset_new_intro: "{n}, задайте новый пароль; другие ваши сеансы будут завершены",
    new_password: "Новый пароль",
    password_hint: "Не короче 10 символов и не совпадает с email.",
    set_password: "Сохранить и войти",
    link_invalid_title: "Ссылка не работает",
    link_invalid_text: "Ссылка неизвестна, уже использована или устарела. Попросите новую.",
    reset_title: "Сброс пароля",
    reset_intro: "Введите email, под которым вы входите. Если адрес известен, мы пришлём ссылку для нового пароля.",
    reset_send: "Прислать ссылку",
    reset_sent: "Если адрес известен, мы отправили на него ссылку. Она действует один час.",
    login_forgot: "Забыли пароль?",
    field_too_short: "Слишком короткий: не меньше 10 символов",
    field_equals_email: "Пароль не должен совпадать с email",
    field_last_admin: "Последний активный администратор должен остаться администратором",
    field_self: "Нельзя отключить самого себя",

    err_unauthenticated: "Войдите, чтобы продолжить.",
    err_forbidden: "Недостаточно прав для этого действия.",
    err_not_found: "Не найдено.",
    err_invalid: "Проверьте введённые данные.",
    err_conflict: "Кто-то другой изменил это обращение — загружена последняя версия.",
    err_rate_limited: "Слишком много запросов. Подождите немного и попробуйте снова.",
    err_internal: "Что-то пошло не так. Код ошибки: {n}.",
    err_unavailable: "Нет связи с сервером. Попробуйте ещё раз.",
    field_required: "Заполните это поле.",
    field_invalid: "Неверное значение.",
    field_too_long: "Слишком длинное значение.",
    field_taken: "Это значение уже занято.",
    field_not_allowed: "Такой переход статуса невозможен.",

    sign_in_title: "Вход для сотрудников",
    email: "Эл. почта",
    password: "Пароль",
    sign_in: "Войти",
    bad_credentials: "Неверная почта или пароль.",
    sign_out: "Выйти",

    nav_queue: "Очередь",
    live_on: "Онлайн: очередь обновляется сама",
    live_off: "Нет соединения, переподключаемся…",
    queue_title: "Очередь",
    view_all: "Все",
    view_mine: "Мои",
    view_unassigned: "Без исполнителя",
    filter_status: "Статус",
    filter_priority: "Приоритет",
    filter_working_set: "В работе (новые, открытые, ожидающие)",
    filter_any_priority: "Любой",
    apply: "Применить",
    col_number: "№",
    col_subject: "Тема",
    col_contact: "Клиент",
    col_status: "Статус",
    col_priority: "Приоритет",
    col_assignee: "Исполнитель",
    col_age: "Возраст",
    queue_empty: "Здесь пусто — нет обращений по этим условиям.",
    search_title: "Поиск",
    search_label: "Поиск по обращениям и клиентам",
    search_placeholder: "Поиск: слова, #номер, status:open, tag:vip…",
    search_button: "Найти",
    search_help_title: "Как искать",
    search_help_words: "Слова находятся в любой форме: «заказы» найдёт «заказ» и «заказа», «refunded» — «refund». Все слова должны встретиться в одном сообщении (первое сообщение — вместе с темой); заметки тоже ищутся.",
    search_help_phrase: "\"вернуть деньги\" или «…» — слова подряд; возвр* — начало слова; телефон — в любой записи.",
    search_help_filters: "Фильтры: status:open,pending · priority:high · channel:email · group:\"Вторая линия\" · assignee:me, none или email · tag:vip · from:email или телефон клиента.",
    search_help_number: "#1042 или LL-1042 — сразу открыть обращение.",
    search_empty: "Ничего не найдено.",
    search_tickets_heading: "Обращения",
    search_contacts_heading: "Клиенты",
    search_internal_note: "Заметка",
    search_more: "Показать ещё",
    search_exact: "Обращение {n}",
    search_contact_tickets: "Обращения клиента",
    search_err_unknown: "Неизвестный фильтр «{n}:». Фильтры перечислены в подсказке «Как искать».",
    search_err_invalid: "Неверное значение фильтра «{n}:».",
    search_err_missing: "В фильтре «{n}:» указана несуществующая группа или сотрудник.",
    search_err_required: "Введите, что искать.",
    search_err_too_long: "Слишком длинный запрос.",
    saved_views_title: "Сохранённые поиски",
    saved_view_name: "Название",
    saved_view_share: "Доступ",
    saved_view_private: "Только я",
    saved_view_group: "Группа «{n}»",
    saved_view_save: "Сохранить поиск",
    saved_view_saved: "Поиск «{n}» сохранён",
    saved_view_delete: "Удалить поиск",
    saved_view_deleted: "Поиск удалён",
    saved_view_open: "Сохранённый поиск «{n}»",
    age_now: "только что",
    age_minutes: "{n} мин",
    age_hours: "{n} ч",
    age_days: "{n} дн",

    status_new: "Новое",
    status_open: "Открыто",
    status_pending: "Ждёт клиента",
    status_resolved: "Решено",
    status_closed: "Закрыто",
    priority_low: "Низкий",
    priority_normal: "Обычный",
    priority_high: "Высокий",
    priority_urgent: "Срочный",
    channel_web_form: "Веб-форма",
    channel_api: "API",
    channel_email: "Эл. почта",
    channel_agent: "Сотрудник",

    back_to_queue: "← К очереди",
    contact: "Клиент",
    channel: "Канал",
    created: "Создано",
    status: "Статус",
    priority: "Приоритет",
    assignee: "Исполнитель",
    group: "Группа",
    tags: "Метки",
    unassigned: "Не назначен",
    no_group: "Без группы",
    unknown_contact: "Без имени",
    timeline: "Переписка и история",
    msg_inbound: "Клиент",
    msg_outbound: "Ответ",
    msg_note: "Внутренняя заметка",
    mail_show_quoted: "Показать цитату и подпись",
    mail_view_text: "Текст",
    mail_view_html: "HTML",
    mail_html_title: "HTML-версия письма (без скриптов и внешних картинок)",
    mail_original: "Исходное письмо (.eml)",
    mail_attachments: "Вложения",
    mail_inline: "встроенное изображение",
    mail_too_large: "слишком большой файл — хранится только в исходном письме",
    mail_why: "Почему письмо здесь",
    why_via: "получено ящиком {n}",
    why_duplicate: "та же копия письма пришла и через ящик {n} (сохранена одним сообщением)",
    why_signed_id: "привязано по нашей ссылке в заголовке {n}",
    why_known_id: "привязано по Message-ID в заголовке {n}",
    why_body_marker: "привязано по скрытой метке в тексте письма",
    why_subject_contact: "привязано по номеру {n} в теме письма от контакта заявки",
    why_subject_participant: "привязано по номеру {n} в теме письма от участника заявки",
    why_subject_stranger: "новая заявка: посторонний отправитель указал номер {n}",
    why_no_reference: "новая заявка: письмо не ссылается ни на одну заявку",
    why_closed_new_linked: "прежняя заявка закрыта — создана новая, связанная с ней",
    why_reopened: "ответ клиента открыл заявку снова",
    why_auto_reply: "распознано как автоответ: без подтверждения и без переоткрытия",
    why_no_ack: "автоматическое подтверждение не отправлялось (рассылка или адрес no-reply)",
    delivery_pending: "ожидает отправки",
    delivery_sent: "отправлено",
    delivery_failed: "не доставлено: {n}",
    actor_system: "Система",
    actor_customer: "Клиент",
    reply_label: "Ответ клиенту",
    reply_send: "Отправить ответ",
    note_label: "Внутренняя заметка (клиент её не увидит)",
    note_add: "Добавить заметку",
    saved: "Сохранено",
    h_created: "создал(а) обращение ({n})",
    h_status: "изменил(а) статус: {n}",
    h_priority: "изменил(а) приоритет: {n}",
    h_assigned: "назначил(а) исполнителя: {n}",
    h_unassigned: "снял(а) исполнителя",
    h_group: "перевёл(а) в группу {n}",
    h_group_removed: "убрал(а) группу",
    h_tagged: "добавил(а) метку «{n}»",
    h_untagged: "убрал(а) метку «{n}»",
    h_customer_replied: "написал(а) сообщение",
    h_agent_replied: "ответил(а) клиенту",
    h_note_added: "добавил(а) заметку",
    h_acknowledged: "отправил(а) подтверждение о приёме",
    h_reopened_by_reply: "ответом на письмо переоткрыл(а) закрытое обращение",
    h_follow_up_of: "начал(а) это обращение как продолжение закрытого {n}",
    h_continued_in: "отметил(а): ответ на это закрытое обращение продолжен в {n}",
    h_rule_fired: "сработало правило «{n}»",
    h_no_agent_available: "в группе {n} нет свободных агентов: обращение осталось в очереди",
    h_rule_notified: "уведомлено агентов: {n}",
    h_rule_status_skipped: "смена статуса {n} недопустима и пропущена",
    h_sla_warned: "SLA: предупреждение — {n}",
    h_sla_breached: "SLA нарушен: {n}",
    h_sla_met: "SLA: цель «{n}» достигнута",
    h_sla_met_late: "SLA: цель «{n}» достигнута с опозданием",
    sla_first_response: "первый ответ",
    sla_next_response: "следующий ответ",
    sla_resolution: "решение",

    portal_title: "Ваше обращение",
    portal_number: "Обращение №",
    portal_status: "Статус",
    portal_status_new: "Принято",
    portal_status_open: "В работе",
    portal_status_pending: "Ждём вашего ответа",
    portal_status_resolved: "Решено",
    portal_status_closed: "Закрыто",
    portal_you: "Вы",
    portal_support: "Поддержка",
    portal_reply_label: "Ваше сообщение",
    portal_reply_send: "Отправить",
    portal_reply_reopens: "Если вопрос не решён, просто напишите — обращение откроется снова.",
    portal_closed: "Это обращение закрыто. Если нужна помощь, оставьте новое обращение.",
    portal_not_found_title: "Обращение не найдено",
    portal_not_found_text: "Ссылка недействительна. Проверьте адрес из письма или оставьте новое обращение.",

    request_title: "Обращение в поддержку",
    request_intro: "Опишите вопрос — мы ответим как можно скорее. Номер обращения появится сразу после отправки.",
    request_name: "Ваше имя",
    request_email: "Эл. почта",
    request_phone: "Телефон",
    request_contact_hint: "Укажите почту или телефон — хотя бы одно.",
    request_subject: "Тема",
    request_message: "Сообщение",
    request_submit: "Отправить обращение",
    request_received: "Ваше обращение №{n} принято",
    request_received_hint: "Сохраните эту страницу: здесь будут ответы, и здесь же можно написать нам.",
    request_track: "Следить за обращением",
    request_rate_limited: "Слишком много обращений с вашего адреса. Попробуйте через несколько минут.",

    nav_channels: "Каналы",
    field_insecure: "Без шифрования можно подключаться только к этой машине (localhost). Выберите TLS или STARTTLS.",
    channels_title: "Почтовые ящики",
    channels_intro: "Ящики, из которых приходят обращения, и куда уходят ответы. Ящики из файла настроек видны здесь, но меняются только в файле.",
    channels_refresh: "Обновить",
    mb_empty: "Почтовых ящиков пока нет — добавьте первый.",
    mb_col_mailbox: "Ящик",
    mb_col_source: "Источник",
    mb_col_imap: "IMAP (приём)",
    mb_col_smtp: "SMTP (отправка)",
    mb_col_enabled: "Включён",
    mb_col_policy: "Ответ в закрытое",
    mb_col_health: "Состояние",
    mb_source_config: "файл настроек",
    mb_source_ui: "интерфейс",
    mb_config_note: "Этот ящик задан в файле настроек; изменить его можно только там.",
    mb_no_smtp: "не отправляет",
    mb_no_auth: "без входа",
    mb_yes: "да",
    mb_no: "нет",
    mb_edit: "Изменить",
    mb_add: "Добавить ящик",
    policy_new_linked: "новое обращение, связанное со старым",
    policy_reopen: "открыть обращение заново",
    health_last_fetch: "Последняя проверка:",
    health_never: "ещё не проверялся",
    health_lag: "Отставание: {n}",
    health_no_success: "Успешных проверок ещё не было",
    health_received: "За 24 ч: {n}",
    health_dead: "Неразобранных: {n}",
    health_pending: "Ждут отправки: {n}",
    health_failed: "Не отправлено: {n}",
    health_node: "Узел: {n}",
    health_error: "Ошибка:",
    time_ago: "{n} назад",
    dur_seconds: "{n} с",
    form_new_title: "Новый почтовый ящик",
    form_edit_title: "Ящик «{n}»",
    f_name: "Имя ящика",
    f_name_hint: "Латинские строчные буквы, цифры и дефис; не меняется после создания.",
    f_address: "Адрес для клиентов",
    f_imap: "Входящая почта (IMAP)",
    f_smtp: "Исходящая почта (SMTP)",
    f_host: "Сервер",
    f_port: "Порт",
    f_security: "Защита",
    f_user: "Логин",
    f_smtp_user_hint: "Пусто — без входа.",
    f_password_keep: "Оставьте пустым, чтобы не менять сохранённый.",
    f_smtp_enabled: "Отправляет ответы",
    f_poll: "Интервал проверки, секунд",
    f_policy: "Ответ в закрытое обращение",
    f_enabled: "Включён (забирать почту)",
    sec_tls: "TLS",
    sec_starttls: "STARTTLS",
    sec_plain: "без шифрования (только localhost)",
    mb_save: "Сохранить ящик",
    mb_saved: "Ящик «{n}» сохранён.",
    probe_button: "Проверить ящик",
    probe_running: "Проверяем…",
    probe_ok: "Все шаги прошли успешно.",
    probe_failed: "Проверка не прошла — см. шаг с ✗.",
    step_imap_connect: "Подключение к IMAP",
    step_imap_login: "Вход в IMAP",
    step_imap_folders: "Папки IMAP",
    step_smtp_send: "Пробное письмо через SMTP",
    dl_title: "Неразобранные письма",
    dl_intro: "Письма, которые не удалось разобрать. Их исходный текст сохранён: после исправления причины их можно обработать заново.",
    dl_empty: "Неразобранных писем нет.",
    dl_col_received: "Получено",
    dl_col_size: "Размер",
    dl_col_from: "От",
    dl_col_error: "Ошибка",
    dl_col_replay: "Повтор",
    dl_not_replayed: "не было",
    dl_replay: "Обработать заново",
    size_bytes: "{n} Б",
    size_kib: "{n} КБ",
    outcome_created: "создано обращение",
    outcome_appended: "добавлено в обращение",
    outcome_ignored: "пропущено (автоответ, возврат или своё письмо)",
    outcome_dead_letter: "по-прежнему не разбирается",
    outcome_duplicate: "уже было получено",

    // ---- collision detection and keyboard shortcuts (issue 6) ----
    collision_label: "Сейчас в этом обращении",
    collision_viewing: "{n} просматривает",
    collision_typing_reply: "{n} пишет ответ…",
    collision_typing_note: "{n} пишет заметку…",
    queue_viewed_by: "Сейчас открыто: {n}",
    assign_me: "Взять себе",
    kb_title: "Горячие клавиши",
    kb_close: "Закрыть",
    kb_open_hint: "Горячие клавиши (?)",
    kb_section_queue: "Очередь",
    kb_section_ticket: "Обращение",
    kb_section_anywhere: "Везде",
    kb_or: "или",
    kb_then: "затем",
    kb_down: "Следующее обращение",
    kb_up: "Предыдущее обращение",
    kb_open: "Открыть выбранное обращение",
    kb_search: "Поиск",
    kb_go_queue: "Перейти к очереди",
    kb_reply: "Написать ответ",
    kb_note: "Написать внутреннюю заметку",
    kb_assign: "Взять себе",
    kb_status: "Сменить статус",
    kb_canned: "Вставить шаблон ответа",
    kb_back: "Вернуться к очереди",
    kb_escape: "Выйти из поля ввода, закрыть подсказку",
    kb_help: "Показать эту подсказку",

    // ---- managers: rules (/manage/rules, issue 4) ----
    rules_title: "Правила",
    rules_intro: "Правила срабатывают по порядку сверху вниз: когда (событие), если (условия), то (действия). Изменения, сделанные правилом, видны в истории обращения.",
    rules_new: "Новое правило",
    rules_empty: "Правил пока нет.",
    rules_col_rule: "Правило",
    rules_enabled: "Включено",
    rules_up: "Выше",
    rules_down: "Ниже",
    rules_edit: "Изменить",
    rules_delete: "Удалить",
    rules_delete_confirm: "Удалить правило?",
    rules_delete_yes: "Да, удалить",
    rules_cancel: "Отмена",
    rules_n_actions: "действий: {n}",
    rules_not_editable: "Правило «{n}» слишком сложное для формы и здесь не редактируется.",
    rules_new_title: "Новое правило",
    rules_edit_title: "Правило «{n}»",
    rules_name: "Название",
    rules_when: "Когда",
    rules_on_created: "Создано обращение",
    rules_on_updated: "Обращение изменено",
    rules_on_customer_replied: "Клиент ответил",
    rules_on_timed: "Через",
    rules_watch_hint: "Какие поля (ни одно не отмечено — любое):",
    rules_minutes: "минут",
    rules_minutes_after: "минут после события:",
    rules_time_created: "создания",
    rules_time_customer_reply: "последнего ответа клиента",
    rules_time_status_changed: "смены статуса",
    rules_time_assigned: "назначения",
    rules_if: "Если",
    rules_match_all: "выполнены все условия",
    rules_match_any: "выполнено хотя бы одно условие",
    rules_no_conditions: "Без условий правило срабатывает на каждом обращении.",
    rules_not: "не",
    rules_kind: "Вид",
    rules_remove: "Убрать",
    rules_add_condition: "+ условие",
    rules_then: "То",
    rules_add_action: "+ действие",
    rules_choose: "— выберите —",
    rules_c_keywords: "Ключевые слова",
    rules_c_phrase: "Фраза",
    rules_c_channel: "Канал",
    rules_c_mailbox: "Почтовый ящик",
    rules_c_sender: "Отправитель (адрес)",
    rules_c_sender_domain: "Домен отправителя",
    rules_c_organisation: "Организация",
    rules_c_vip: "VIP-клиент",
    rules_c_language: "Язык",
    rules_c_region: "Регион",
    rules_c_tag: "Есть метка",
    rules_c_custom_field: "Доп. поле равно",
    rules_c_priority_is: "Приоритет равен",
    rules_c_priority_at_least: "Приоритет не ниже",
    rules_c_status: "Статус — один из",
    rules_c_group: "Группа",
    rules_c_no_group: "Без группы",
    rules_c_owner: "Исполнитель",
    rules_c_unowned: "Без исполнителя",
    rules_c_business_hours: "Рабочее время",
    rules_c_older_than: "Прошло с события",
    rules_c_category: "Предложенная категория",
    rules_c_contact: "Клиент (номер)",
    rules_in_both: "в теме и тексте",
    rules_in_subject: "в теме",
    rules_in_body: "в тексте",
    rules_keywords_hint: "Через запятую. Формы слов (русские и английские) учитываются автоматически: «срочно» найдёт «Срочный», «refund» — «refunded».",
    rules_ph_keywords: "срочно, не работает",
    rules_ph_phrase: "не могу войти",
    rules_ph_mailbox: "название ящика",
    rules_ph_sender: "ivan@example.ru",
    rules_ph_domain: "@example.ru",
    rules_ph_organisation: "организация",
    rules_ph_region: "регион",
    rules_ph_tag: "метка",
    rules_ph_field: "поле",
    rules_ph_field_value: "значение",
    rules_ph_minutes: "минуты",
    rules_ph_category: "категория",
    rules_ph_confidence: "уверенность",
    rules_ph_contact: "номер клиента",
    rules_ph_tags: "метки через запятую",
    rules_ph_reply: "Здравствуйте, {name}! Ваше обращение {number} получено.",
    rules_ph_notify: "текст уведомления",
    rules_a_priority: "Установить приоритет",
    rules_a_group: "Перевести в группу",
    rules_a_add_tags: "Добавить метки",
    rules_a_remove_tags: "Убрать метки",
    rules_a_assign: "Назначить",
    rules_a_status: "Установить статус",
    rules_a_reply: "Ответить шаблоном",
    rules_a_notify: "Уведомить",
    rules_assign_strategy: "по правилу группы",
    rules_assign_nobody: "никому (в очередь)",
    rules_reply_hint: "Подставляются {number} — номер, {subject} — тема, {name} — имя клиента. Шаблон уходит клиенту не больше одного раза на обращение.",
    rules_notify_managers: "руководителей",
    rules_notify_assignee: "исполнителя",
    rules_notify_group: "группу «{n}»",
    rules_notify_hint: "Подставляются {number} и {subject}.",
    rules_save: "Сохранить",
    rules_saved: "Правило сохранено.",
    rules_try: "Проверить на обращениях",
    rules_trying: "Проверяем…",
    rules_try_summary: "Подходят {n} из {m} последних обращений",
    rules_try_number: "Номер",
    rules_try_changes: "Что изменится",
    actor_rule: "правило «{n}»:",
    rules_lang_ru: "русский",
    rules_lang_en: "английский",

    // ---- team: presence, notifications, routing (issue 4) ----
    presence_online: "На месте",
    presence_away: "Отошёл",
    presence_offline: "Не в сети",
    presence_label: "Мой статус",
    presence_idle: "Нет активности — для команды вы «отошли»",
    bell_title: "Уведомления",
    bell_unread: "Непрочитанных: {n}",
    bell_empty: "Уведомлений нет.",
    bell_mark_read: "Отметить все прочитанными",
    bell_open_ticket: "Открыть {n}",
    nav_dashboard: "Обзор",
    board_totals: "Итоги по очереди",
    board_working: "В работе",
    board_open: "Ждут команду",
    board_open_hint: "Новые и открытые: ход за командой",
    board_pending: "Ждут клиента",
    board_at_risk_total: "SLA под угрозой",
    board_agents: "Нагрузка команды",
    board_load: "Загрузка",
    board_load_hint: "Все назначенные в работе из допустимого максимума (0 — без ограничения)",
    board_waiting: "Дольше всех ждёт",
    board_waiting_hint: "Сколько времени без единого изменения (ответа, заметки, правки) провело самое заброшенное новое или открытое обращение",
    board_waiting_for: "{n} без движения",
    board_no_wait: "—",
    board_groups: "Очереди групп",
    board_queue: "В очереди",
    board_unassigned: "Без исполнителя — самые давние",
    board_unassigned_none: "У всех обращений есть исполнитель.",
    board_of_total: "из {n}",
    board_at_risk: "SLA под угрозой",
    board_at_risk_hint: "Нарушенные сроки и сроки в ближайшие {n} мин",
    board_at_risk_none: "Сроки SLA под контролем.",
    board_more: "Показаны первые {n}",
    board_assign: "Назначить исполнителя",
    board_assigned: "Назначено: {n}",
    board_unassigned_done: "Исполнитель снят: {n}",
    nav_team: "Команда",
    team_groups: "Группы: распределение обращений",
    team_agents: "Сотрудники",
    team_no_groups: "Групп пока нет.",
    team_group: "Группа",
    team_strategy: "Распределение",
    strategy_manual: "Вручную",
    strategy_round_robin: "По очереди",
    strategy_least_loaded: "Наименее загруженному",
    team_match_language: "Учитывать язык",
    team_match_skills: "Учитывать навыки",
    team_prefer_previous: "Прежнему сотруднику",
    team_restricted: "Закрытая (видят только участники)",
    field_not_member: "Сотрудник не состоит в закрытой группе этого тикета.",
    team_agent: "Сотрудник",
    team_presence: "Статус",
    team_open: "Открытых",
    team_capacity: "Лимит",
    team_capacity_hint: "Сколько открытых обращений одновременно; 0 — без лимита.",
    team_languages: "Языки",
    team_skills: "Навыки",
    team_skills_hint: "через запятую",
    team_save: "Сохранить",
    lang_ru: "Русский",
    lang_en: "Английский",
    profile_title: "Профиль клиента",
    profile_vip: "VIP-клиент",
    profile_organisation: "Организация",
    profile_region: "Регион",
    profile_save: "Сохранить профиль",
    // ---- contacts (issue 6, point 6) ----
    h_contact_merged: "клиент объединён с дубликатом «{n}»",
    contact_name: "Имя",
    contact_unnamed: "Без имени",
    contact_handles: "Как связаться",
    contact_kind_email: "Email",
    contact_kind_phone: "Телефон",
    contact_add_handle: "Добавить контакт",
    contact_remove_handle: "Убрать",
    contact_notes: "Заметки о клиенте (видят только агенты)",
    contact_tickets: "Обращения клиента",
    contact_open_count: "открыто: {n}",
    contact_total_count: "всего: {n}",
    contact_no_tickets: "Обращений нет",
    contact_show_all: "Показать все",
    contact_open_page: "Страница клиента",
    contact_edit: "Изменить",
    contact_save: "Сохранить",
    contact_cancel: "Отмена",
    contact_page_title: "Клиент",
    contact_last_activity: "Последняя активность",
    contact_merge_title: "Объединить дубликат",
    contact_merge_hint: "Найдите другой контакт этого же клиента по имени, email или телефону. Его обращения, контакты и заметки перейдут сюда, а дубликат будет удалён.",
    contact_merge_search: "Имя, email или телефон",
    contact_merge_find: "Найти",
    contact_merge_none: "Никого не нашли",
    contact_merge_pick: "Объединить с этим",
    contact_merge_confirm: "Подтвердите: «{n}» будет объединён с этим клиентом и удалён",
    contact_merge_yes: "Объединить",
    contact_merged: "Объединено, перенесено обращений: {n}",
    field_other_contact: "Этот адрес или номер есть у другого клиента — объедините их на странице клиента",

    // ---- classifier suggestions (issue 4) ----
    suggest_title: "Подсказка",
    suggest_category: "категория",
    suggest_tags: "метки",
    suggest_priority: "приоритет",
    suggest_confidence: "({n} %)",
    suggest_hint: "Предложено классификатором по размеченным обращениям; само ничего не меняет.",

    // ---- SLA (issue 5) ----
    view_sla_at_risk: "SLA под угрозой",
    col_sla: "SLA",
    sla_title: "SLA",
    sla_none: "Для обращения нет целей SLA.",
    sla_in: "через {n}",
    sla_overdue: "просрочено на {n}",
    sla_breached: "нарушен",
    sla_paused: "пауза",
    sla_no_deadline: "без срока",
    sla_met_at: "выполнено {n}",
    sla_ended_at: "остановлено {n}",
    sla_late: "с опозданием",
    sla_target_of: "цель {n} рабочего времени",
    sla_m_met: "выполнено за {n} рабочего времени",
    sla_m_breached: "нарушено {n}",
    sla_policies_title: "SLA",
    sla_policies_intro: "Для каждой цели (первый ответ, следующий ответ, решение) действует самая конкретная подходящая политика; при равенстве — та, что выше. Время считается по рабочему календарю.",
    sla_policy_new: "Новая политика",
    sla_policies_empty: "Политик SLA пока нет.",
    sla_col_policy: "Политика",
    sla_policy_delete_confirm: "Удалить эту политику?",
    sla_policy_edit_title: "Политика «{n}»",
    sla_targets: "Цели, минуты рабочего времени",
    sla_targets_hint: "Пустое поле — эта политика цель не задаёт.",
    sla_timing: "Календарь и предупреждения",
    sla_calendar_fallback: "календарь группы, иначе основной",
    sla_warn_at: "Предупреждать при использовании, % (через запятую)",
    sla_on_breach: "При нарушении",
    sla_on_breach_hint: "Руководители группы получают уведомление всегда.",
    sla_raise_priority: "Повысить приоритет на ступень",
    sla_move_to_group: "Перевести в группу",
    sla_reassign: "Передать другому агенту по правилам распределения группы",
    settings_title: "Мои настройки",
    settings_email_title: "Уведомления по почте",
    settings_email_hint: "В приложении уведомления приходят всегда; здесь — какие из них дублировать на почту. Упомянуть коллегу в заметке: @имя.",
    pref_assigned: "Мне назначили обращение",
    pref_customer_replied: "Клиент ответил в моём обращении",
    pref_mentioned: "Меня упомянули в заметке",
    pref_sla: "Предупреждения и нарушения SLA",
    settings_display_title: "Язык и часовой пояс",
    settings_display_hint: "Даты и время везде показываются в вашем часовом поясе; пока он не выбран — в поясе браузера.",
    settings_time_zone: "Часовой пояс",
    settings_time_zone_placeholder: "например, Europe/Moscow",
    settings_save: "Сохранить",
    settings_time_zone_saved: "Часовой пояс {n} сохранён",
    sla_no_move: "не переводить",
    cal_title: "Календари",
    cal_intro: "Рабочие часы, по которым считаются сроки SLA: часы по дням недели в часовом поясе календаря, праздники и перенесённые дни.",
    cal_new: "Новый календарь",
    cal_empty: "Календарей пока нет.",
    cal_edit_title: "Календарь «{n}»",
    cal_always_open: "Круглосуточно (24/7)",
    cal_n_overrides: "особых дней: {n}",
    cal_default_mark: "основной",
    cal_delete_confirm: "Удалить этот календарь?",
    cal_tz: "Часовой пояс",
    cal_is_default: "Основной календарь",
    cal_week: "Часы по дням недели",
    cal_spans_hint: "Например «09:00-13:00, 14:00-18:00»; пусто — выходной.",
    cal_overrides: "Особые дни",
    cal_closed: "выходной",
    cal_hours: "часы",
    cal_date: "дата",
    cal_add_override: "+ особый день",
    cal_import: "Импорт праздников",
    cal_import_format: "Формат",
    cal_format_production: "производственный календарь (XML)",
    cal_format_ical: "iCal (.ics)",
    cal_import_text: "Содержимое файла (или выберите файл)",
    cal_import_run: "Импортировать",
    cal_imported: "Импортировано дат: {n}",
    cal_import_save_first: "Сначала сохраните календарь.",
    cal_import_too_large: "Файл слишком большой.",
    cal_import_bad_format: "Файл не в выбранном формате.",
    cal_import_bad_line: "Ошибка в строке {n}.",
    cal_groups: "Календари групп",
    cal_groups_hint: "Политика без своего календаря считает время по календарю группы обращения.",
    cal_group_default: "основной календарь",
    day_mon: "Понедельник",
    day_tue: "Вторник",
    day_wed: "Среда",
    day_thu: "Четверг",
    day_fri: "Пятница",
    day_sat: "Суббота",
    day_sun: "Воскресенье",
    canned_title: "Шаблоны ответов",
    canned_intro: "Готовые ответы с подстановками. Личные шаблоны видите только вы; общие видит вся команда, а меняют руководители. Шаблон с действиями — макрос: он меняет статус, приоритет, ответственного и метки одним действием.",
    canned_new: "Новый шаблон",
    canned_search: "Найти шаблон",
    canned_empty: "Шаблонов пока нет. Создайте первый — он появится в ответе на обращение.",
    canned_no_match: "Ничего не найдено.",
    canned_shared: "Общий",
    canned_personal: "Личный",
    canned_macro: "Макрос",
    canned_delete_confirm: "Удалить шаблон «{n}»?",
    canned_edit_title: "Шаблон «{n}»",
    canned_f_title: "Название",
    canned_f_shortcut: "Сокращение",
    canned_shortcut_hint: "Наберите / и сокращение в начале пустого ответа, например /спасибо.",
    canned_f_body: "Текст",
    canned_body_hint: "Можно оставить пустым, если у макроса есть действия.",
    canned_f_shared: "Общий шаблон для всей команды",
    canned_placeholders: "Подстановки",
    canned_placeholders_hint: "Нажмите, чтобы вставить. Если значения нет, подставится пустая строка или запасной текст после |, например {{customer.first_name | клиент}}.",
    canned_actions: "Действия макроса",
    canned_actions_hint: "Применяются одним изменением обращения, когда вы отправляете ответ, или кнопкой «Применить сейчас». В истории они видны как ваши изменения.",
    canned_keep: "— не менять —",
    canned_assign_me: "Тому, кто применяет",
    canned_assign_nobody: "Снять ответственного",
    canned_add_tags: "Добавить метки",
    canned_remove_tags: "Убрать метки",
    canned_tags_hint: "Через запятую",
    canned_preview: "Предпросмотр на примере",
    canned_unknown_placeholder: "Неизвестная подстановка {n}",
    canned_unclosed_placeholder: "Подстановка не закрыта: нет }}",
    ph_customer_name: "Имя клиента",
    ph_customer_first_name: "Имя клиента, первое слово",
    ph_customer_email: "Email клиента",
    ph_customer_phone: "Телефон клиента",
    ph_ticket_number: "Номер обращения",
    ph_ticket_subject: "Тема обращения",
    ph_agent_name: "Ваше имя",
    ph_agent_first_name: "Ваше имя, первое слово",
    ph_agent_email: "Ваш email",
    ph_group_name: "Группа обращения",
    canned_a_status: "статус → {n}",
    canned_a_priority: "приоритет → {n}",
    canned_a_assign: "ответственный → {n}",
    canned_a_assign_me: "ответственный → я",
    canned_a_unassign: "снять ответственного",
    canned_a_add_tag: "+ метка «{n}»",
    canned_a_remove_tag: "− метка «{n}»",
    canned_button: "Шаблоны",
    canned_button_title: "Вставить шаблон ответа (или наберите / в пустом ответе)",
    canned_manage_link: "Управление шаблонами",
    canned_pending: "Макрос «{n}»",
    canned_on_send: "применится при отправке ответа",
    canned_apply_now: "Применить сейчас",
    canned_discard: "Не применять",
    canned_applied: "Макрос «{n}» применён",
    canned_saved: "Шаблон сохранён.",
    canned_deleted: "Шаблон удалён.",
    // ---- bulk, merge, links (issue 6, point 4) ----
    h_merged_into: "объединил(а) это обращение с {n}",
    h_merged_from: "присоединил(а) к этому обращению {n}",
    h_linked: "связал(а) с {n}",
    h_unlinked: "убрал(а) связь с {n}",
    bulk_select_all: "Выбрать все на странице",
    bulk_select_row: "Выбрать {n}",
    bulk_selected: "Выбрано: {n}",
    bulk_assign: "Ответственный",
    bulk_assign_me: "мне",
    bulk_unassign: "никому",
    bulk_status: "Статус",
    bulk_keep: "— не менять —",
    bulk_add_tag: "Добавить метку",
    bulk_remove_tag: "Убрать метку",
    bulk_apply: "Применить",
    bulk_clear: "Снять выбор",
    bulk_merge_into: "Объединить в",
    bulk_merge: "Объединить",
    bulk_changed: "Изменено: {n}",
    bulk_skipped: "пропущено: {n}",
    bulk_merged: "Обращения объединены в {n}",
    merge_confirm_other: "У обращений разные клиенты. Объединить всё равно?",
    merge_err_self: "Нельзя объединить обращение с самим собой",
    merge_err_merged: "Обращение уже объединено с другим",
    merge_err_closed: "Закрытое обращение не может принять другие",
    rel_title: "Связанные обращения",
    rel_none: "Связей нет",
    rel_number: "Номер обращения, например #1042",
    rel_add: "Связать",
    rel_remove: "Убрать связь",
    rel_merged_into: "Это обращение объединено с",
    rel_merged_from: "Присоединены",
    rel_err_unknown: "Обращения с таким номером нет",
    rel_err_self: "Нельзя связать обращение с самим собой",
    rel_err_taken: "Эти обращения уже связаны",
    // ---- widget (issue 7, widget-backend) ----
    channel_widget: "Виджет на сайте",
    contact_kind_visitor: "Посетитель сайта",
    // ---- widget frame and visitor (issue 7, widget-frame) ----
    wf_close: "Закрыть",
    wf_loading: "Загрузка…",
    wf_unavailable: "Чат сейчас недоступен. Попробуйте позже.",
    wf_reconnecting: "Нет связи. Переподключаемся…",
    wf_offline_chat_off: "Оставьте сообщение — мы ответим на почту.",
    wf_offline_hours: "Сейчас нерабочее время. Оставьте сообщение — мы ответим на почту.",
    wf_offline_nobody: "Сейчас нет свободных операторов. Оставьте сообщение — мы ответим на почту.",
    wf_name: "Ваше имя",
    wf_email: "Электронная почта",
    wf_message: "Сообщение",
    wf_phone: "Телефон",
    wf_preferred_time: "Когда позвонить",
    wf_preferred_time_hint: "Например: сегодня после 18:00",
    wf_topic: "Тема",
    wf_submit: "Отправить",
    wf_request_sent: "Спасибо! Обращение {n} принято. Мы ответим на почту.",
    wf_callback_open: "Перезвоните мне",
    wf_callback_title: "Мы вам перезвоним",
    wf_callback_submit: "Заказать звонок",
    wf_callback_sent: "Спасибо! Мы перезвоним. Номер заявки {n}.",
    wf_back: "Назад",
    wf_bot_next: "Далее",
    wf_bot_skip: "Пропустить",
    wf_bot_person: "Позвать оператора",
    wf_bot_answer: "Ваш ответ",
    wf_file: "Файл или скриншот",
    wf_attach: "Прикрепить файл",
    wf_composer: "Ваше сообщение",
    wf_send: "Отправить",
    wf_typing: "Оператор печатает…",
    wf_you: "Вы",
    wf_support: "Поддержка",
    wf_uploading: "Загружаем файл…",
    wf_remove_file: "Убрать {n}",
    wf_failed: "Не отправлено. Проверьте связь и попробуйте ещё раз.",
    wf_err_required: "Заполните это поле",
    wf_err_invalid: "Проверьте значение",
    wf_err_too_long: "Слишком длинно",
    wf_err_too_large: "Файл слишком большой",
    wf_err_rate: "Слишком много попыток. Подождите минуту.",
    wf_not_found: "Этот чат недоступен.",
    wf_thread: "Обращение {n}",
    vis_title: "Посетитель сайта",
    vis_page: "Сейчас на странице",
    vis_typing: "Посетитель печатает…",
    vis_online: "на сайте",
    vis_seen: "был(а) на сайте {n}",
    // ---- widget sites admin (issue 7, notices) ----
    ws_title: "Виджет на сайте",
    ws_intro: "Сайты, на которых стоит виджет чата: вид, языки, часы работы, вопросы бота и уведомления клиентам.",
    ws_new: "Новый сайт",
    ws_empty: "Сайтов пока нет.",
    ws_name: "Название",
    ws_key: "Ключ",
    ws_status: "Состояние",
    ws_active: "Включён",
    ws_inactive: "Выключен",
    ws_activate: "Включить",
    ws_deactivate: "Выключить",
    ws_edit: "Изменить",
    ws_edit_title: "Настройки сайта",
    ws_colour: "Цвет",
    ws_greeting_ru: "Приветствие (русский)",
    ws_greeting_en: "Приветствие (английский)",
    ws_languages: "Языки",
    ws_lang_default: "Язык по умолчанию",
    ws_calendar: "Часы работы",
    ws_calendar_none: "Круглосуточно",
    ws_origins: "Где можно встроить",
    ws_origins_hint: "По одному адресу на строку, например https://shop.example",
    ws_group: "Группа",
    ws_group_none: "По правилам маршрутизации",
    ws_chat: "Живой чат",
    ws_callback: "Обратный звонок",
    ws_bot: "Вопросы бота",
    ws_bot_hint: "Бот задаёт вопросы по порядку, пока не подключится оператор. Без вопросов посетитель сразу пишет оператору.",
    ws_bot_key: "Ключ",
    ws_bot_ask: "Что спрашиваем",
    ws_ask_text: "Текст",
    ws_ask_order: "Номер заказа",
    ws_ask_screenshot: "Скриншот",
    ws_bot_prompt_ru: "Вопрос (русский)",
    ws_bot_prompt_en: "Вопрос (английский)",
    ws_bot_required: "Обязательный",
    ws_bot_add: "Добавить вопрос",
    ws_bot_remove: "Убрать",
    ws_bot_up: "Выше",
    ws_bot_down: "Ниже",
    ws_notices: "Уведомления клиенту",
    ws_notice_taken: "«Обращение взято в работу»",
    ws_notice_waiting: "«Ждём вашего ответа»",
    ws_notice_resolved: "«Обращение решено»",
    ws_notice_reminder: "Напоминания, пока ждём ответа (через 48 часов, не больше двух)",
    ws_save: "Сохранить",
    ws_close: "Закрыть",
    ws_saved: "Сохранено",
    ws_snippet: "Код для вставки",
    ws_snippet_hint: "Вставьте этот код перед </body> на страницах сайта.",
    ws_copy: "Скопировать",
    ws_copied: "Скопировано",
    // ---- audit (configuration changes) ----
    audit_rule_created: "Правило создано",
    audit_rule_updated: "Правило изменено",
    audit_rule_deleted: "Правило удалено",
    audit_sla_policy_created: "SLA-политика создана",
    audit_sla_policy_updated: "SLA-политика изменена",
    audit_sla_policy_deleted: "SLA-политика удалена",
    audit_sla_calendar_created: "Рабочий календарь создан",
    audit_sla_calendar_updated: "Рабочий календарь изменён",
    audit_sla_calendar_deleted: "Рабочий календарь удалён",
    audit_mailbox_created: "Почтовый ящик добавлен",
    audit_mailbox_updated: "Почтовый ящик изменён",
    field_inactive: "Сотрудник отключён или ещё не принял приглашение",
    audit_canned_created: "Общий шаблон ответа создан",
    audit_canned_updated: "Общий шаблон ответа изменён",
    audit_canned_deleted: "Общий шаблон ответа удалён",
    // ---- customer portal sign-in (issue 7, point 5) ----
    pt_home_title: "Ваши обращения",
    pt_signin_title: "Вход по ссылке из письма",
    pt_signin_intro: "Укажите адрес почты, с которого вы писали нам, — мы пришлём ссылку для входа. Пароль не нужен.",
    pt_signin_send: "Прислать ссылку",
    pt_signin_sent: "Если этот адрес есть у нас, письмо со ссылкой для входа уже в пути. Ссылка действует 30 минут и открывается один раз.",
    pt_lookup_title: "Найти обращение по номеру",
    pt_lookup_intro: "Номер обращения и адрес почты, указанный в нём.",
    pt_lookup_number: "Номер обращения",
    pt_lookup_send: "Открыть обращение",
    pt_lookup_not_found: "Обращение с таким номером и адресом не найдено.",
    pt_link_title: "Вход в ваши обращения",
    pt_link_intro: "Нажмите кнопку, чтобы открыть ваши обращения на этом устройстве.",
    pt_link_go: "Открыть мои обращения",
    pt_link_dead_title: "Ссылка не работает",
    pt_link_dead_text: "Ссылка для входа неизвестна, уже использована или устарела. Запросите новую.",
    pt_link_dead_again: "Запросить новую ссылку",
    pt_list_title: "Мои обращения",
    pt_list_empty: "Обращений пока нет.",
    pt_col_number: "Номер",
    pt_col_subject: "Тема",
    pt_col_status: "Статус",
    pt_col_channel: "Канал",
    pt_col_updated: "Обновлено",
    pt_sign_out: "Выйти",
    pt_need_sign_in: "Войдите, чтобы увидеть свои обращения.",
    pt_back_to_list: "← Все мои обращения",
    pt_files_label: "Файлы",
    pt_files_hint: "Можно приложить до 10 файлов.",
    pt_file_not_kept: "не сохранён (слишком большой)",
    pt_err_title: "Сообщение не отправлено",
    pt_err_too_large: "Файлы слишком большие. Уменьшите их и попробуйте снова.",
    pt_err_too_many: "Слишком много файлов: не больше 10 за раз.",
    pt_err_body: "Напишите сообщение.",
    pt_err_back: "Вернуться к обращению",
};

/// English texts.
pub static EN: Texts = Texts {
    app_name: "Lossless",
    language: "Language",
    loading: "Loading…",
    not_found_title: "Page not found",
    not_found_text: "There is no such page. Check the address.",
    home_intro: "Customer support: every request in one queue.",
    home_request_link: "Submit a request",
    home_agent_link: "Agent sign-in",
    // ---- accounts (issue 6, point 1) ----
    users_title: "Users",
    users_invite: "Invite a user",
    users_name: "Name",
    users_role: "Role",
    users_groups: "Groups",
    users_status: "Status",
    users_send_invite: "Send invitation",
    users_invite_sent: "Invitation sent.",
    users_resend: "Send again",
    users_revoke: "Withdraw",
    users_deactivate: "Deactivate",
    users_reactivate: "Reactivate",
    users_you: "you",
    role_agent: "Agent",
    role_manager: "Manager",
    role_admin: "Admin",
    account_active: "Active",
    account_invited: "Invited",
    account_deactivated: "Deactivated",
    audit_title: "Audit log",
    audit_at: "When",
    audit_actor: "Who",
    audit_action: "Action",
    audit_target: "Target",
    audit_details: "Details",
    audit_all_actors: "Everyone",
    audit_all_actions: "All actions",
    audit_filter: "Show",
    audit_newer: "← Newer",
    audit_older: "Older →",
    audit_empty: "No entries.",
    audit_invite_sent: "Invitation sent",
    audit_invite_resent: "Invitation sent again",
    audit_invite_revoked: "Invitation withdrawn",
    audit_invite_accepted: "Invitation accepted",
    audit_role_changed: "Role changed",
    audit_agent_deactivated: "User deactivated",
    audit_agent_reactivated: "User reactivated",
    audit_password_reset: "Password reset",
    audit_group_routing_changed: "Group routing changed",
    audit_agent_profile_changed: "Agent profile changed",
    invite_title: "Set your password",
    invite_intro: "Welcome, {n}! Choose a password to sign in",
    reset_new_title: "Choose a new password",
    reset_new_intro: "{n}, choose a new password; your other sessions will end",
    new_password: "New password",
    password_hint: "At least 10 characters, not your email address.",
    set_password: "Save and sign in",
    link_invalid_title: "This link does not work",
    link_invalid_text: "The link is unknown, already used or expired. Ask for a new one.",
    reset_title: "Reset password",
    reset_intro: "Enter the email you sign in with. If the address is known, we will send a link to set a new password.",
    reset_send: "Send link",
    reset_sent: "If the address is known, a link was sent to it. It works for one hour.",
    login_forgot: "Forgot your password?",
    field_too_short: "Too short: at least 10 characters",
    field_equals_email: "The password must not be your email address",
    field_last_admin: "The last active admin must stay an active admin",
    field_self: "You cannot deactivate yourself",

    err_unauthenticated: "Please sign in to continue.",
    err_forbidden: "You are not allowed to do this.",
    err_not_found: "Not found.",
    err_invalid: "Please check what you entered.",
    err_conflict: "Someone else changed this ticket — reloaded the latest version.",
    err_rate_limited: "Too many requests. Please wait a little and try again.",
    err_internal: "Something went wrong. Error reference: {n}.",
    err_unavailable: "Cannot reach the server. Please try again.",
    field_required: "This field is required.",
    field_invalid: "This value is not valid.",
    field_too_long: "This value is too long.",
    field_taken: "This value is already taken.",
    field_not_allowed: "This status change is not allowed.",

    sign_in_title: "Agent sign-in",
    email: "Email",
    password: "Password",
    sign_in: "Sign in",
    bad_credentials: "Wrong email or password.",
    sign_out: "Sign out",

    nav_queue: "Queue",
    live_on: "Live: the queue updates by itself",
    live_off: "Offline, reconnecting…",
    queue_title: "Queue",
    view_all: "All",
    view_mine: "Mine",
    view_unassigned: "Unassigned",
    filter_status: "Status",
    filter_priority: "Priority",
    filter_working_set: "Working set (new, open, pending)",
    filter_any_priority: "Any",
    apply: "Apply",
    col_number: "#",
    col_subject: "Subject",
    col_contact: "Customer",
    col_status: "Status",
    col_priority: "Priority",
    col_assignee: "Assignee",
    col_age: "Age",
    queue_empty: "Nothing here — no tickets match these filters.",
    search_title: "Search",
    search_label: "Search tickets and contacts",
    search_placeholder: "Search: words, #number, status:open, tag:vip…",
    search_button: "Search",
    search_help_title: "How to search",
    search_help_words: "Words match in any form: “orders” finds “order”, “возврата” finds “возврат”. All words must occur in one message (the first one together with the subject); internal notes are searched too.",
    search_help_phrase: "\"refund my order\" or «…» — words in a row; refu* — start of a word; phone numbers in any notation.",
    search_help_filters: "Filters: status:open,pending · priority:high · channel:email · group:\"Second line\" · assignee:me, none or an email · tag:vip · from:the customer's email or phone.",
    search_help_number: "#1042 or LL-1042 — open that ticket at once.",
    search_empty: "Nothing found.",
    search_tickets_heading: "Tickets",
    search_contacts_heading: "Contacts",
    search_internal_note: "Internal note",
    search_more: "Show more",
    search_exact: "Ticket {n}",
    search_contact_tickets: "Their tickets",
    search_err_unknown: "Unknown filter “{n}:”. The filters are listed under “How to search”.",
    search_err_invalid: "Invalid value for “{n}:”.",
    search_err_missing: "No such group or agent in “{n}:”.",
    search_err_required: "Type what to search for.",
    search_err_too_long: "The query is too long.",
    saved_views_title: "Saved searches",
    saved_view_name: "Name",
    saved_view_share: "Shared with",
    saved_view_private: "Only me",
    saved_view_group: "Group “{n}”",
    saved_view_save: "Save search",
    saved_view_saved: "Search “{n}” saved",
    saved_view_delete: "Delete search",
    saved_view_deleted: "Search deleted",
    saved_view_open: "Saved search “{n}”",
    age_now: "just now",
    age_minutes: "{n} min",
    age_hours: "{n} h",
    age_days: "{n} d",

    status_new: "New",
    status_open: "Open",
    status_pending: "Pending",
    status_resolved: "Resolved",
    status_closed: "Closed",
    priority_low: "Low",
    priority_normal: "Normal",
    priority_high: "High",
    priority_urgent: "Urgent",
    channel_web_form: "Web form",
    channel_api: "API",
    channel_email: "Email",
    channel_agent: "Agent",

    back_to_queue: "← Back to queue",
    contact: "Customer",
    channel: "Channel",
    created: "Created",
    status: "Status",
    priority: "Priority",
    assignee: "Assignee",
    group: "Group",
    tags: "Tags",
    unassigned: "Unassigned",
    no_group: "No group",
    unknown_contact: "No name",
    timeline: "Conversation and history",
    msg_inbound: "Customer",
    msg_outbound: "Reply",
    msg_note: "Internal note",
    mail_show_quoted: "Show quoted text",
    mail_view_text: "Text",
    mail_view_html: "HTML",
    mail_html_title: "HTML version of the mail (no scripts, no remote images)",
    mail_original: "Original mail (.eml)",
    mail_attachments: "Attachments",
    mail_inline: "inline image",
    mail_too_large: "too large — kept in the original mail",
    mail_why: "Why this mail is here",
    why_via: "received by mailbox {n}",
    why_duplicate: "the same mail also arrived via {n} (kept as one message)",
    why_signed_id: "threaded by our reference in {n}",
    why_known_id: "threaded by Message-ID in {n}",
    why_body_marker: "threaded by the hidden marker in the text",
    why_subject_contact: "threaded by ticket number {n} in the subject, from the ticket's contact",
    why_subject_participant: "threaded by ticket number {n} in the subject, from a participant of the ticket",
    why_subject_stranger: "new ticket: a stranger quoted {n}",
    why_no_reference: "new ticket: nothing referred to an existing ticket",
    why_closed_new_linked: "the earlier ticket was closed, so a new linked ticket was started",
    why_reopened: "the reply reopened the ticket",
    why_auto_reply: "recognised as an automatic reply: no acknowledgement, no reopening",
    why_no_ack: "no automatic acknowledgement (mailing list or no-reply sender)",
    delivery_pending: "waiting to be sent",
    delivery_sent: "sent",
    delivery_failed: "not delivered: {n}",
    actor_system: "System",
    actor_customer: "Customer",
    reply_label: "Reply to the customer",
    reply_send: "Send reply",
    note_label: "Internal note (the customer never sees it)",
    note_add: "Add note",
    saved: "Saved",
    h_created: "created the ticket ({n})",
    h_status: "changed the status: {n}",
    h_priority: "changed the priority: {n}",
    h_assigned: "assigned it to {n}",
    h_unassigned: "unassigned it",
    h_group: "moved it to group {n}",
    h_group_removed: "removed its group",
    h_tagged: "added tag “{n}”",
    h_untagged: "removed tag “{n}”",
    h_customer_replied: "wrote a message",
    h_agent_replied: "replied to the customer",
    h_note_added: "added a note",
    h_acknowledged: "sent the acknowledgement",
    h_reopened_by_reply: "reopened this closed ticket by replying to it",
    h_follow_up_of: "started this ticket as a follow-up of closed {n}",
    h_continued_in: "noted: a reply to this closed ticket continues in {n}",
    h_rule_fired: "rule “{n}” applied",
    h_no_agent_available: "nobody in {n} is available: the ticket stays in the queue",
    h_rule_notified: "agents notified: {n}",
    h_rule_status_skipped: "status change {n} is not allowed and was skipped",
    h_sla_warned: "SLA warning: {n}",
    h_sla_breached: "SLA breached: {n}",
    h_sla_met: "SLA: {n} target met",
    h_sla_met_late: "SLA: {n} target met late",
    sla_first_response: "first response",
    sla_next_response: "next response",
    sla_resolution: "resolution",

    portal_title: "Your request",
    portal_number: "Request #",
    portal_status: "Status",
    portal_status_new: "Received",
    portal_status_open: "In progress",
    portal_status_pending: "Waiting for your reply",
    portal_status_resolved: "Resolved",
    portal_status_closed: "Closed",
    portal_you: "You",
    portal_support: "Support",
    portal_reply_label: "Your message",
    portal_reply_send: "Send",
    portal_reply_reopens: "Not solved yet? Just write — the request opens again.",
    portal_closed: "This request is closed. If you need help, please submit a new request.",
    portal_not_found_title: "Request not found",
    portal_not_found_text: "This link is not valid. Check the address from your email or submit a new request.",

    request_title: "Contact support",
    request_intro: "Describe your question and we will answer as soon as we can. You get a request number right after sending.",
    request_name: "Your name",
    request_email: "Email",
    request_phone: "Phone",
    request_contact_hint: "Give an email or a phone number — at least one.",
    request_subject: "Subject",
    request_message: "Message",
    request_submit: "Send request",
    request_received: "Your request #{n} has been received",
    request_received_hint: "Keep this page: answers appear here, and you can write to us from here too.",
    request_track: "Track your request",
    request_rate_limited: "Too many requests from your address. Please try again in a few minutes.",

    nav_channels: "Channels",
    field_insecure: "Plain (unencrypted) connections are only allowed to this machine (localhost). Choose TLS or STARTTLS.",
    channels_title: "Mailboxes",
    channels_intro: "The mailboxes tickets come from and replies go out through. Mailboxes from the configuration file are shown here but changed only in the file.",
    channels_refresh: "Refresh",
    mb_empty: "No mailboxes yet — add the first one.",
    mb_col_mailbox: "Mailbox",
    mb_col_source: "Source",
    mb_col_imap: "IMAP (in)",
    mb_col_smtp: "SMTP (out)",
    mb_col_enabled: "Enabled",
    mb_col_policy: "Reply to closed",
    mb_col_health: "Health",
    mb_source_config: "config file",
    mb_source_ui: "UI",
    mb_config_note: "This mailbox comes from the configuration file; change it there.",
    mb_no_smtp: "sends nothing",
    mb_no_auth: "no login",
    mb_yes: "yes",
    mb_no: "no",
    mb_edit: "Edit",
    mb_add: "Add a mailbox",
    policy_new_linked: "new ticket linked to the old one",
    policy_reopen: "reopen the ticket",
    health_last_fetch: "Last fetch:",
    health_never: "never fetched",
    health_lag: "Lag: {n}",
    health_no_success: "No successful fetch yet",
    health_received: "Received (24 h): {n}",
    health_dead: "Dead letters: {n}",
    health_pending: "Outbound pending: {n}",
    health_failed: "Outbound failed: {n}",
    health_node: "Node: {n}",
    health_error: "Error:",
    time_ago: "{n} ago",
    dur_seconds: "{n} s",
    form_new_title: "New mailbox",
    form_edit_title: "Mailbox “{n}”",
    f_name: "Name",
    f_name_hint: "Lowercase letters, digits and “-”; fixed once created.",
    f_address: "Address customers write to",
    f_imap: "Incoming mail (IMAP)",
    f_smtp: "Outgoing mail (SMTP)",
    f_host: "Host",
    f_port: "Port",
    f_security: "Security",
    f_user: "User",
    f_smtp_user_hint: "Empty: no login.",
    f_password_keep: "Leave empty to keep the stored one.",
    f_smtp_enabled: "Sends replies",
    f_poll: "Poll interval, seconds",
    f_policy: "Reply to a closed ticket",
    f_enabled: "Enabled (fetch mail)",
    sec_tls: "TLS",
    sec_starttls: "STARTTLS",
    sec_plain: "plain (localhost only)",
    mb_save: "Save mailbox",
    mb_saved: "Mailbox “{n}” saved.",
    probe_button: "Test this mailbox",
    probe_running: "Testing…",
    probe_ok: "All steps succeeded.",
    probe_failed: "The test failed — see the step marked ✗.",
    step_imap_connect: "IMAP connection",
    step_imap_login: "IMAP login",
    step_imap_folders: "IMAP folders",
    step_smtp_send: "Probe mail over SMTP",
    dl_title: "Dead letters",
    dl_intro: "Mails that could not be read. Their raw text is kept: replay them once the cause is fixed.",
    dl_empty: "No dead letters.",
    dl_col_received: "Received",
    dl_col_size: "Size",
    dl_col_from: "From",
    dl_col_error: "Error",
    dl_col_replay: "Last replay",
    dl_not_replayed: "never",
    dl_replay: "Replay",
    size_bytes: "{n} B",
    size_kib: "{n} KB",
    outcome_created: "ticket created",
    outcome_appended: "added to a ticket",
    outcome_ignored: "ignored (auto-reply, bounce or our own mail)",
    outcome_dead_letter: "still cannot be read",
    outcome_duplicate: "already received",

    // ---- collision detection and keyboard shortcuts (issue 6) ----
    collision_label: "Also on this ticket",
    collision_viewing: "{n} is viewing",
    collision_typing_reply: "{n} is typing a reply…",
    collision_typing_note: "{n} is writing a note…",
    queue_viewed_by: "Open now: {n}",
    assign_me: "Assign to me",
    kb_title: "Keyboard shortcuts",
    kb_close: "Close",
    kb_open_hint: "Keyboard shortcuts (?)",
    kb_section_queue: "Queue",
    kb_section_ticket: "Ticket",
    kb_section_anywhere: "Anywhere",
    kb_or: "or",
    kb_then: "then",
    kb_down: "Next ticket",
    kb_up: "Previous ticket",
    kb_open: "Open the selected ticket",
    kb_search: "Search",
    kb_go_queue: "Go to the queue",
    kb_reply: "Write a reply",
    kb_note: "Write an internal note",
    kb_assign: "Assign to me",
    kb_status: "Change the status",
    kb_canned: "Insert a canned response",
    kb_back: "Back to the queue",
    kb_escape: "Leave the text field, close this help",
    kb_help: "Show this help",

    // ---- managers: rules (/manage/rules, issue 4) ----
    rules_title: "Rules",
    rules_intro: "Rules run in order from the top: when (an event), if (conditions), then (actions). What a rule changes shows in the ticket's history.",
    rules_new: "New rule",
    rules_empty: "No rules yet.",
    rules_col_rule: "Rule",
    rules_enabled: "Enabled",
    rules_up: "Move up",
    rules_down: "Move down",
    rules_edit: "Edit",
    rules_delete: "Delete",
    rules_delete_confirm: "Delete this rule?",
    rules_delete_yes: "Yes, delete",
    rules_cancel: "Cancel",
    rules_n_actions: "{n} action(s)",
    rules_not_editable: "Rule “{n}” is too complex for the form and cannot be edited here.",
    rules_new_title: "New rule",
    rules_edit_title: "Rule “{n}”",
    rules_name: "Name",
    rules_when: "When",
    rules_on_created: "A ticket is created",
    rules_on_updated: "A ticket is updated",
    rules_on_customer_replied: "The customer replies",
    rules_on_timed: "Timed: after",
    rules_watch_hint: "Which fields (none ticked: any of them):",
    rules_minutes: "minutes",
    rules_minutes_after: "minutes after:",
    rules_time_created: "creation",
    rules_time_customer_reply: "the customer's last reply",
    rules_time_status_changed: "the status change",
    rules_time_assigned: "the assignment",
    rules_if: "If",
    rules_match_all: "all conditions hold",
    rules_match_any: "any condition holds",
    rules_no_conditions: "Without conditions the rule applies to every ticket.",
    rules_not: "not",
    rules_kind: "Kind",
    rules_remove: "Remove",
    rules_add_condition: "+ condition",
    rules_then: "Then",
    rules_add_action: "+ action",
    rules_choose: "— choose —",
    rules_c_keywords: "Keywords",
    rules_c_phrase: "Phrase",
    rules_c_channel: "Channel",
    rules_c_mailbox: "Mailbox",
    rules_c_sender: "Sender address",
    rules_c_sender_domain: "Sender domain",
    rules_c_organisation: "Organisation",
    rules_c_vip: "VIP customer",
    rules_c_language: "Language",
    rules_c_region: "Region",
    rules_c_tag: "Has tag",
    rules_c_custom_field: "Custom field equals",
    rules_c_priority_is: "Priority is",
    rules_c_priority_at_least: "Priority at least",
    rules_c_status: "Status is one of",
    rules_c_group: "Group",
    rules_c_no_group: "No group",
    rules_c_owner: "Owner",
    rules_c_unowned: "Unowned",
    rules_c_business_hours: "Business hours",
    rules_c_older_than: "Time since",
    rules_c_category: "Suggested category",
    rules_c_contact: "Contact (id)",
    rules_in_both: "in subject and body",
    rules_in_subject: "in the subject",
    rules_in_body: "in the body",
    rules_keywords_hint: "Comma-separated. Russian and English word forms match automatically: “срочно” finds “Срочный”, “refund” finds “refunded”.",
    rules_ph_keywords: "urgent, refund",
    rules_ph_phrase: "cannot log in",
    rules_ph_mailbox: "mailbox name",
    rules_ph_sender: "ivan@example.com",
    rules_ph_domain: "@example.com",
    rules_ph_organisation: "organisation",
    rules_ph_region: "region",
    rules_ph_tag: "tag",
    rules_ph_field: "field",
    rules_ph_field_value: "value",
    rules_ph_minutes: "minutes",
    rules_ph_category: "category",
    rules_ph_confidence: "confidence",
    rules_ph_contact: "contact id",
    rules_ph_tags: "tags, comma-separated",
    rules_ph_reply: "Hello {name}, we received your request {number}.",
    rules_ph_notify: "notification text",
    rules_a_priority: "Set priority",
    rules_a_group: "Set group",
    rules_a_add_tags: "Add tags",
    rules_a_remove_tags: "Remove tags",
    rules_a_assign: "Assign",
    rules_a_status: "Set status",
    rules_a_reply: "Reply with template",
    rules_a_notify: "Notify",
    rules_assign_strategy: "by the group's strategy",
    rules_assign_nobody: "nobody (back to the queue)",
    rules_reply_hint: "{number} (ticket number), {subject} and {name} (customer's name) are filled in. The template goes to a customer at most once per ticket.",
    rules_notify_managers: "the managers",
    rules_notify_assignee: "the owner",
    rules_notify_group: "group “{n}”",
    rules_notify_hint: "{number} and {subject} are filled in.",
    rules_save: "Save",
    rules_saved: "Rule saved.",
    rules_try: "Try it",
    rules_trying: "Trying…",
    rules_try_summary: "{n} of {m} recent tickets match",
    rules_try_number: "Number",
    rules_try_changes: "What would change",
    actor_rule: "rule “{n}”:",
    rules_lang_ru: "Russian",
    rules_lang_en: "English",

    // ---- team: presence, notifications, routing (issue 4) ----
    presence_online: "Online",
    presence_away: "Away",
    presence_offline: "Offline",
    presence_label: "My status",
    presence_idle: "No recent activity — the team sees you as away",
    bell_title: "Notifications",
    bell_unread: "{n} unread",
    bell_empty: "No notifications.",
    bell_mark_read: "Mark all read",
    bell_open_ticket: "Open {n}",
    nav_dashboard: "Dashboard",
    board_totals: "Queue totals",
    board_working: "In progress",
    board_open: "Waiting for us",
    board_open_hint: "New and open: the team owes the next step",
    board_pending: "Waiting for customer",
    board_at_risk_total: "SLA at risk",
    board_agents: "Team load",
    board_load: "Load",
    board_load_hint: "All assigned tickets in progress out of the capacity (0: no limit)",
    board_waiting: "Longest wait",
    board_waiting_hint: "How long the least recently touched new or open ticket has gone without any change (reply, note or edit)",
    board_waiting_for: "{n} untouched",
    board_no_wait: "—",
    board_groups: "Group queues",
    board_queue: "In queue",
    board_unassigned: "Oldest unassigned",
    board_unassigned_none: "Every ticket has an owner.",
    board_of_total: "of {n}",
    board_at_risk: "SLA at risk",
    board_at_risk_hint: "Breached, or due within {n} min",
    board_at_risk_none: "No SLA deadline at risk.",
    board_more: "Showing the first {n}",
    board_assign: "Assign to",
    board_assigned: "Assigned: {n}",
    board_unassigned_done: "Unassigned: {n}",
    nav_team: "Team",
    team_groups: "Groups: assignment",
    team_agents: "Agents",
    team_no_groups: "No groups yet.",
    team_group: "Group",
    team_strategy: "Assignment",
    strategy_manual: "Manual",
    strategy_round_robin: "Round robin",
    strategy_least_loaded: "Least loaded",
    team_match_language: "Match language",
    team_match_skills: "Match skills",
    team_prefer_previous: "Previous agent",
    team_restricted: "Restricted (members only)",
    field_not_member: "This agent is not a member of the ticket's restricted group.",
    team_agent: "Agent",
    team_presence: "Presence",
    team_open: "Open tickets",
    team_capacity: "Capacity",
    team_capacity_hint: "Open tickets at once; 0 means no limit.",
    team_languages: "Languages",
    team_skills: "Skills",
    team_skills_hint: "comma separated",
    team_save: "Save",
    lang_ru: "Russian",
    lang_en: "English",
    profile_title: "Customer profile",
    profile_vip: "VIP customer",
    profile_organisation: "Organisation",
    profile_region: "Region",
    profile_save: "Save profile",
    // ---- contacts (issue 6, point 6) ----
    h_contact_merged: "customer merged from duplicate “{n}”",
    contact_name: "Name",
    contact_unnamed: "No name",
    contact_handles: "Handles",
    contact_kind_email: "Email",
    contact_kind_phone: "Phone",
    contact_add_handle: "Add handle",
    contact_remove_handle: "Remove",
    contact_notes: "Notes about the customer (agents only)",
    contact_tickets: "Customer's tickets",
    contact_open_count: "open: {n}",
    contact_total_count: "total: {n}",
    contact_no_tickets: "No tickets",
    contact_show_all: "Show all",
    contact_open_page: "Contact page",
    contact_edit: "Edit",
    contact_save: "Save",
    contact_cancel: "Cancel",
    contact_page_title: "Contact",
    contact_last_activity: "Last activity",
    contact_merge_title: "Merge a duplicate",
    contact_merge_hint: "Find another contact of the same customer by name, email or phone. Its tickets, handles and notes move here and the duplicate is removed.",
    contact_merge_search: "Name, email or phone",
    contact_merge_find: "Find",
    contact_merge_none: "No contacts found",
    contact_merge_pick: "Merge into this contact",
    contact_merge_confirm: "Confirm: “{n}” is merged into this contact and removed",
    contact_merge_yes: "Merge",
    contact_merged: "Merged; tickets moved: {n}",
    field_other_contact: "This address or number belongs to another contact — merge the two on the contact page",

    // ---- classifier suggestions (issue 4) ----
    suggest_title: "Suggestion",
    suggest_category: "category",
    suggest_tags: "tags",
    suggest_priority: "priority",
    suggest_confidence: "({n} %)",
    suggest_hint: "Proposed by the classifier from labelled tickets; it changes nothing by itself.",

    // ---- SLA (issue 5) ----
    view_sla_at_risk: "SLA at risk",
    col_sla: "SLA",
    sla_title: "SLA",
    sla_none: "No SLA targets apply to this ticket.",
    sla_in: "in {n}",
    sla_overdue: "overdue {n}",
    sla_breached: "breached",
    sla_paused: "paused",
    sla_no_deadline: "no deadline",
    sla_met_at: "met {n}",
    sla_ended_at: "stopped {n}",
    sla_late: "late",
    sla_target_of: "target {n} of business time",
    sla_m_met: "met in {n} of business time",
    sla_m_breached: "breached {n}",
    sla_policies_title: "SLA",
    sla_policies_intro: "For each target (first response, next response, resolution) the most specific matching policy applies; among equals, the higher one. Time counts in business hours of the calendar.",
    sla_policy_new: "New policy",
    sla_policies_empty: "No SLA policies yet.",
    sla_col_policy: "Policy",
    sla_policy_delete_confirm: "Delete this policy?",
    sla_policy_edit_title: "Policy “{n}”",
    sla_targets: "Targets, business minutes",
    sla_targets_hint: "Leave a target empty if this policy does not set it.",
    sla_timing: "Calendar and warnings",
    sla_calendar_fallback: "the group's calendar, else the default",
    sla_warn_at: "Warn when used, % (comma-separated)",
    sla_on_breach: "On breach",
    sla_on_breach_hint: "The group's managers are always notified.",
    sla_raise_priority: "Raise the priority one step",
    sla_move_to_group: "Move to group",
    sla_reassign: "Hand it to another agent by the group's assignment strategy",
    settings_title: "My settings",
    settings_email_title: "Email alerts",
    settings_email_hint: "In-app alerts always arrive; choose which of them also come by email. Mention a colleague in a note with @name.",
    pref_assigned: "A ticket was assigned to me",
    pref_customer_replied: "The customer replied on my ticket",
    pref_mentioned: "I was mentioned in a note",
    pref_sla: "SLA warnings and breaches",
    settings_display_title: "Language and time zone",
    settings_display_hint: "Dates and times everywhere are shown in your time zone; until you choose one, in your browser's.",
    settings_time_zone: "Time zone",
    settings_time_zone_placeholder: "e.g. Europe/London",
    settings_save: "Save",
    settings_time_zone_saved: "Time zone {n} saved",
    sla_no_move: "do not move",
    cal_title: "Calendars",
    cal_intro: "Business hours SLA deadlines count in: hours per weekday in the calendar's time zone, holidays and moved working days.",
    cal_new: "New calendar",
    cal_empty: "No calendars yet.",
    cal_edit_title: "Calendar “{n}”",
    cal_always_open: "Around the clock (24/7)",
    cal_n_overrides: "{n} special day(s)",
    cal_default_mark: "default",
    cal_delete_confirm: "Delete this calendar?",
    cal_tz: "Time zone",
    cal_is_default: "Default calendar",
    cal_week: "Weekly hours",
    cal_spans_hint: "E.g. “09:00-13:00, 14:00-18:00”; empty is a day off.",
    cal_overrides: "Special days",
    cal_closed: "closed",
    cal_hours: "hours",
    cal_date: "date",
    cal_add_override: "+ special day",
    cal_import: "Import holidays",
    cal_import_format: "Format",
    cal_format_production: "production calendar (XML)",
    cal_format_ical: "iCal (.ics)",
    cal_import_text: "File contents (or choose a file)",
    cal_import_run: "Import",
    cal_imported: "{n} dates imported",
    cal_import_save_first: "Save the calendar first.",
    cal_import_too_large: "The file is too large.",
    cal_import_bad_format: "The file is not in the chosen format.",
    cal_import_bad_line: "Error on line {n}.",
    cal_groups: "Group calendars",
    cal_groups_hint: "A policy without its own calendar counts time in the calendar of the ticket's group.",
    cal_group_default: "the default calendar",
    day_mon: "Monday",
    day_tue: "Tuesday",
    day_wed: "Wednesday",
    day_thu: "Thursday",
    day_fri: "Friday",
    day_sat: "Saturday",
    day_sun: "Sunday",
    canned_title: "Canned responses",
    canned_intro: "Ready answers with placeholders. Only you see your personal responses; shared ones are for the whole team and managers edit them. A response with actions is a macro: it sets status, priority, assignee and tags in one go.",
    canned_new: "New response",
    canned_search: "Find a response",
    canned_empty: "No canned responses yet. Create one and it shows up in the reply box.",
    canned_no_match: "Nothing matches.",
    canned_shared: "Shared",
    canned_personal: "Personal",
    canned_macro: "Macro",
    canned_delete_confirm: "Delete “{n}”?",
    canned_edit_title: "Response “{n}”",
    canned_f_title: "Title",
    canned_f_shortcut: "Shortcut",
    canned_shortcut_hint: "Type / and the shortcut at the start of an empty reply, e.g. /thanks.",
    canned_f_body: "Text",
    canned_body_hint: "May stay empty when the macro has actions.",
    canned_f_shared: "Shared with the whole team",
    canned_placeholders: "Placeholders",
    canned_placeholders_hint: "Click to insert. A missing value becomes empty text, or the fallback after |, e.g. {{customer.first_name | there}}.",
    canned_actions: "Macro actions",
    canned_actions_hint: "Applied as one change of the ticket when you send the reply, or with “Apply now”. History shows them as your changes.",
    canned_keep: "— keep —",
    canned_assign_me: "Whoever applies it",
    canned_assign_nobody: "Unassign",
    canned_add_tags: "Add tags",
    canned_remove_tags: "Remove tags",
    canned_tags_hint: "Comma-separated",
    canned_preview: "Preview with sample data",
    canned_unknown_placeholder: "Unknown placeholder {n}",
    canned_unclosed_placeholder: "A placeholder is not closed: }} is missing",
    ph_customer_name: "Customer's name",
    ph_customer_first_name: "Customer's first name",
    ph_customer_email: "Customer's email",
    ph_customer_phone: "Customer's phone",
    ph_ticket_number: "Ticket number",
    ph_ticket_subject: "Ticket subject",
    ph_agent_name: "Your name",
    ph_agent_first_name: "Your first name",
    ph_agent_email: "Your email",
    ph_group_name: "Ticket's group",
    canned_a_status: "status → {n}",
    canned_a_priority: "priority → {n}",
    canned_a_assign: "assignee → {n}",
    canned_a_assign_me: "assignee → me",
    canned_a_unassign: "unassign",
    canned_a_add_tag: "+ tag “{n}”",
    canned_a_remove_tag: "− tag “{n}”",
    canned_button: "Canned responses",
    canned_button_title: "Insert a canned response (or type / in an empty reply)",
    canned_manage_link: "Manage responses",
    canned_pending: "Macro “{n}”",
    canned_on_send: "applies when you send the reply",
    canned_apply_now: "Apply now",
    canned_discard: "Don’t apply",
    canned_applied: "Macro “{n}” applied",
    canned_saved: "Response saved.",
    canned_deleted: "Response deleted.",
    // ---- bulk, merge, links (issue 6, point 4) ----
    h_merged_into: "merged this ticket into {n}",
    h_merged_from: "merged {n} into this ticket",
    h_linked: "linked this ticket with {n}",
    h_unlinked: "removed the link with {n}",
    bulk_select_all: "Select all on this page",
    bulk_select_row: "Select {n}",
    bulk_selected: "{n} selected",
    bulk_assign: "Assignee",
    bulk_assign_me: "me",
    bulk_unassign: "nobody",
    bulk_status: "Status",
    bulk_keep: "— keep —",
    bulk_add_tag: "Add tag",
    bulk_remove_tag: "Remove tag",
    bulk_apply: "Apply",
    bulk_clear: "Clear selection",
    bulk_merge_into: "Merge into",
    bulk_merge: "Merge",
    bulk_changed: "{n} changed",
    bulk_skipped: "{n} skipped",
    bulk_merged: "Tickets merged into {n}",
    merge_confirm_other: "These tickets belong to different customers. Merge anyway?",
    merge_err_self: "A ticket cannot be merged into itself",
    merge_err_merged: "That ticket was already merged into another one",
    merge_err_closed: "A closed ticket cannot take other tickets in",
    rel_title: "Related tickets",
    rel_none: "No related tickets",
    rel_number: "Ticket number, e.g. #1042",
    rel_add: "Link",
    rel_remove: "Remove link",
    rel_merged_into: "This ticket was merged into",
    rel_merged_from: "Merged in",
    rel_err_unknown: "No ticket has that number",
    rel_err_self: "A ticket cannot be linked to itself",
    rel_err_taken: "These tickets are already linked",
    // ---- widget (issue 7, widget-backend) ----
    channel_widget: "Site widget",
    contact_kind_visitor: "Site visitor",
    // ---- widget frame and visitor (issue 7, widget-frame) ----
    wf_close: "Close",
    wf_loading: "Loading…",
    wf_unavailable: "The chat is not available right now. Please try again later.",
    wf_reconnecting: "Connection lost. Reconnecting…",
    wf_offline_chat_off: "Leave us a message and we will answer by email.",
    wf_offline_hours: "We are outside working hours now. Leave a message and we will answer by email.",
    wf_offline_nobody: "Nobody is available right now. Leave a message and we will answer by email.",
    wf_name: "Your name",
    wf_email: "Email",
    wf_message: "Message",
    wf_phone: "Phone",
    wf_preferred_time: "When to call",
    wf_preferred_time_hint: "For example: today after 6 pm",
    wf_topic: "Topic",
    wf_submit: "Send",
    wf_request_sent: "Thank you! Request {n} is received. We will answer by email.",
    wf_callback_open: "Call me back",
    wf_callback_title: "We will call you back",
    wf_callback_submit: "Request a call",
    wf_callback_sent: "Thank you! We will call you back. Request {n}.",
    wf_back: "Back",
    wf_bot_next: "Next",
    wf_bot_skip: "Skip",
    wf_bot_person: "Talk to a person",
    wf_bot_answer: "Your answer",
    wf_file: "File or screenshot",
    wf_attach: "Attach a file",
    wf_composer: "Your message",
    wf_send: "Send",
    wf_typing: "Support is typing…",
    wf_you: "You",
    wf_support: "Support",
    wf_uploading: "Uploading…",
    wf_remove_file: "Remove {n}",
    wf_failed: "Not sent. Check the connection and try again.",
    wf_err_required: "Please fill this in",
    wf_err_invalid: "Please check this value",
    wf_err_too_long: "Too long",
    wf_err_too_large: "The file is too large",
    wf_err_rate: "Too many attempts. Please wait a minute.",
    wf_not_found: "This chat is not available.",
    wf_thread: "Request {n}",
    vis_title: "Site visitor",
    vis_page: "Now on the page",
    vis_typing: "Visitor is typing…",
    vis_online: "online",
    vis_seen: "last seen {n}",
    // ---- widget sites admin (issue 7, notices) ----
    ws_title: "Site widget",
    ws_intro: "Sites that embed the chat widget: look, languages, working hours, bot questions and customer notices.",
    ws_new: "New site",
    ws_empty: "No sites yet.",
    ws_name: "Name",
    ws_key: "Key",
    ws_status: "State",
    ws_active: "On",
    ws_inactive: "Off",
    ws_activate: "Switch on",
    ws_deactivate: "Switch off",
    ws_edit: "Edit",
    ws_edit_title: "Site settings",
    ws_colour: "Colour",
    ws_greeting_ru: "Greeting (Russian)",
    ws_greeting_en: "Greeting (English)",
    ws_languages: "Languages",
    ws_lang_default: "Default language",
    ws_calendar: "Working hours",
    ws_calendar_none: "Around the clock",
    ws_origins: "Allowed origins",
    ws_origins_hint: "One address per line, e.g. https://shop.example",
    ws_group: "Group",
    ws_group_none: "By the routing rules",
    ws_chat: "Live chat",
    ws_callback: "Callback",
    ws_bot: "Bot questions",
    ws_bot_hint: "The bot asks these in order before a person takes over. Without questions the visitor writes to a person straight away.",
    ws_bot_key: "Key",
    ws_bot_ask: "Asks for",
    ws_ask_text: "Text",
    ws_ask_order: "Order number",
    ws_ask_screenshot: "Screenshot",
    ws_bot_prompt_ru: "Question (Russian)",
    ws_bot_prompt_en: "Question (English)",
    ws_bot_required: "Required",
    ws_bot_add: "Add a question",
    ws_bot_remove: "Remove",
    ws_bot_up: "Up",
    ws_bot_down: "Down",
    ws_notices: "Customer notices",
    ws_notice_taken: "\"Taken into work\"",
    ws_notice_waiting: "\"Waiting for your answer\"",
    ws_notice_resolved: "\"Resolved\"",
    ws_notice_reminder: "Reminders while we wait (after 48 hours, at most two)",
    ws_save: "Save",
    ws_close: "Close",
    ws_saved: "Saved",
    ws_snippet: "Embed code",
    ws_snippet_hint: "Put this code before </body> on the site's pages.",
    ws_copy: "Copy",
    ws_copied: "Copied",
    // ---- audit (configuration changes) ----
    audit_rule_created: "Rule created",
    audit_rule_updated: "Rule changed",
    audit_rule_deleted: "Rule deleted",
    audit_sla_policy_created: "SLA policy created",
    audit_sla_policy_updated: "SLA policy changed",
    audit_sla_policy_deleted: "SLA policy deleted",
    audit_sla_calendar_created: "Business calendar created",
    audit_sla_calendar_updated: "Business calendar changed",
    audit_sla_calendar_deleted: "Business calendar deleted",
    audit_mailbox_created: "Mailbox added",
    audit_mailbox_updated: "Mailbox changed",
    field_inactive: "This agent is switched off or has not accepted the invitation yet",
    audit_canned_created: "Shared canned response created",
    audit_canned_updated: "Shared canned response changed",
    audit_canned_deleted: "Shared canned response deleted",
    // ---- customer portal sign-in (issue 7, point 5) ----
    pt_home_title: "Your requests",
    pt_signin_title: "Sign in with an email link",
    pt_signin_intro: "Enter the email address you wrote to us from and we will send you a sign-in link. No password needed.",
    pt_signin_send: "Send me a link",
    pt_signin_sent: "If we know this address, a mail with a sign-in link is on its way. The link works for 30 minutes and only once.",
    pt_lookup_title: "Find a request by its number",
    pt_lookup_intro: "The request number and the email address given in it.",
    pt_lookup_number: "Request number",
    pt_lookup_send: "Open the request",
    pt_lookup_not_found: "No request with this number and address was found.",
    pt_link_title: "Sign in to your requests",
    pt_link_intro: "Press the button to open your requests on this device.",
    pt_link_go: "Open my requests",
    pt_link_dead_title: "This link does not work",
    pt_link_dead_text: "The sign-in link is unknown, already used or expired. Ask for a new one.",
    pt_link_dead_again: "Ask for a new link",
    pt_list_title: "My requests",
    pt_list_empty: "No requests yet.",
    pt_col_number: "Number",
    pt_col_subject: "Subject",
    pt_col_status: "Status",
    pt_col_channel: "Channel",
    pt_col_updated: "Updated",
    pt_sign_out: "Sign out",
    pt_need_sign_in: "Sign in to see your requests.",
    pt_back_to_list: "← All my requests",
    pt_files_label: "Files",
    pt_files_hint: "You can attach up to 10 files.",
    pt_file_not_kept: "not kept (too large)",
    pt_err_title: "Message not sent",
    pt_err_too_large: "The files are too large. Make them smaller and try again.",
    pt_err_too_many: "Too many files: at most 10 at once.",
    pt_err_body: "Please write a message.",
    pt_err_back: "Back to the request",
};

/// The table of a language.
pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::Ru => &RU,
        Lang::En => &EN,
    }
}

/// Puts `value` where the template says `{n}`.
pub fn fill(template: &str, value: &str) -> String {
    template.replace("{n}", value)
}

impl Texts {
    /// The message for a field error code (`required`, `invalid`, `too_long`, …); unknown codes
    /// read as `invalid`.
    pub fn field_error(&self, code: &str) -> &'static str {
        match code {
            "required" => self.field_required,
            "too_long" => self.field_too_long,
            "taken" => self.field_taken,
            "not_allowed" => self.field_not_allowed,
            "insecure" => self.field_insecure,
            "read_only" => self.mb_config_note,
            "not_member" => self.field_not_member,
            // ---- accounts (issue 6, point 1) ----
            "too_short" => self.field_too_short,
            "equals_email" => self.field_equals_email,
            "last_admin" => self.field_last_admin,
            "self" => self.field_self,
            // ---- contacts (issue 6, point 6) ----
            "other_contact" => self.field_other_contact,
            // ---- assignable agents (issue 6 follow-up) ----
            "inactive" => self.field_inactive,
            _ => self.field_invalid,
        }
    }

    /// An agent-facing status name.
    pub fn status(&self, s: Status) -> &'static str {
        match s {
            Status::New => self.status_new,
            Status::Open => self.status_open,
            Status::Pending => self.status_pending,
            Status::Resolved => self.status_resolved,
            Status::Closed => self.status_closed,
        }
    }

    /// A customer-facing status name.
    pub fn portal_status(&self, s: Status) -> &'static str {
        match s {
            Status::New => self.portal_status_new,
            Status::Open => self.portal_status_open,
            Status::Pending => self.portal_status_pending,
            Status::Resolved => self.portal_status_resolved,
            Status::Closed => self.portal_status_closed,
        }
    }

    /// A priority name.
    pub fn priority(&self, p: Priority) -> &'static str {
        match p {
            Priority::Low => self.priority_low,
            Priority::Normal => self.priority_normal,
            Priority::High => self.priority_high,
            Priority::Urgent => self.priority_urgent,
        }
    }

    /// An SLA target's name.
    pub fn sla_target(&self, t: lossless::sla::Target) -> &'static str {
        match t {
            lossless::sla::Target::FirstResponse => self.sla_first_response,
            lossless::sla::Target::NextResponse => self.sla_next_response,
            lossless::sla::Target::Resolution => self.sla_resolution,
        }
    }
    /// A channel name.
    pub fn channel(&self, c: Channel) -> &'static str {
        match c {
            Channel::WebForm => self.channel_web_form,
            Channel::Api => self.channel_api,
            Channel::Email => self.channel_email,
            Channel::Agent => self.channel_agent,
            Channel::Widget => self.channel_widget,
        }
    }

    /// A short age (`5 min`, `3 h`, `2 d`) from seconds.
    pub fn age(&self, secs: i64) -> String {
        let m = secs / 60;
        if m < 1 {
            self.age_now.to_owned()
        } else if m < 60 {
            fill(self.age_minutes, &m.to_string())
        } else if m < 60 * 24 {
            fill(self.age_hours, &(m / 60).to_string())
        } else {
            fill(self.age_days, &(m / (60 * 24)).to_string())
        }
    }
}

/// Texts of the managers' channel screen.
impl Texts {
    /// A closed-ticket policy.
    pub fn policy(&self, p: lossless::email::ClosedTicketPolicy) -> &'static str {
        match p {
            lossless::email::ClosedTicketPolicy::NewLinked => self.policy_new_linked,
            lossless::email::ClosedTicketPolicy::Reopen => self.policy_reopen,
        }
    }

    /// A transport security.
    pub fn security(&self, s: lossless::email::admin::TransportSecurity) -> &'static str {
        use lossless::email::admin::TransportSecurity as S;
        match s {
            S::Tls => self.sec_tls,
            S::StartTls => self.sec_starttls,
            S::Plain => self.sec_plain,
        }
    }

    /// A step of "test this mailbox".
    pub fn probe_step(&self, k: lossless::email::admin::ProbeStepKind) -> &'static str {
        use lossless::email::admin::ProbeStepKind as K;
        match k {
            K::ImapConnect => self.step_imap_connect,
            K::ImapLogin => self.step_imap_login,
            K::ImapFolders => self.step_imap_folders,
            K::SmtpSend => self.step_smtp_send,
        }
    }

    /// The text of a "why is this mail here" code (see `dto::why_lines`); empty for an
    /// unknown code.
    pub fn why(&self, code: &str) -> &'static str {
        match code {
            "via" => self.why_via,
            "duplicate" => self.why_duplicate,
            "signed_id" => self.why_signed_id,
            "known_id" => self.why_known_id,
            "body_marker" => self.why_body_marker,
            "subject_contact" => self.why_subject_contact,
            "subject_participant" => self.why_subject_participant,
            "subject_stranger" => self.why_subject_stranger,
            "no_reference" => self.why_no_reference,
            "closed_new_linked" => self.why_closed_new_linked,
            "reopened" => self.why_reopened,
            "auto_reply" => self.why_auto_reply,
            "no_ack" => self.why_no_ack,
            _ => "",
        }
    }

    /// An outbound email's delivery state, with the error filled in when it failed.
    pub fn delivery(&self, state: lossless::email::DeliveryState, error: Option<&str>) -> String {
        use lossless::email::DeliveryState as D;
        match state {
            D::Pending => self.delivery_pending.to_owned(),
            D::Sent => self.delivery_sent.to_owned(),
            D::Failed => fill(self.delivery_failed, error.unwrap_or("?")),
        }
    }

    /// What became of a replayed mail.
    pub fn outcome(&self, o: lossless::email::IngestOutcome) -> &'static str {
        use lossless::email::IngestOutcome as O;
        match o {
            O::Created => self.outcome_created,
            O::Appended => self.outcome_appended,
            O::Ignored => self.outcome_ignored,
            O::DeadLetter => self.outcome_dead_letter,
            O::Duplicate => self.outcome_duplicate,
        }
    }

    /// A relative time (`just now`, `5 min ago`) from seconds.
    pub fn ago(&self, secs: i64) -> String {
        if secs < 60 {
            self.age_now.to_owned()
        } else {
            fill(self.time_ago, &self.age(secs))
        }
    }

    /// A short duration (`40 s`, `5 min`, `3 h`) from seconds.
    pub fn duration(&self, secs: i64) -> String {
        if secs < 60 {
            fill(self.dur_seconds, &secs.max(0).to_string())
        } else {
            self.age(secs)
        }
    }

    /// A size (`812 B`, `14.2 KB`) from bytes.
    pub fn size(&self, bytes: i64) -> String {
        if bytes < 1024 {
            fill(self.size_bytes, &bytes.max(0).to_string())
        } else {
            // One decimal, computed in integers (no float formatting differences).
            let tenths = bytes * 10 / 1024;
            fill(self.size_kib, &format!("{}.{}", tenths / 10, tenths % 10))
        }
    }
}

/// The language a request asks for: `lang` cookie, else `Accept-Language`, else Russian.
#[cfg(feature = "ssr")]
pub fn lang_from_headers(headers: &axum::http::HeaderMap) -> Lang {
    use axum::http::header::{ACCEPT_LANGUAGE, COOKIE};
    let from_cookie = headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| crate::ssr::cookie_value(v, LANG_COOKIE))
        .and_then(|v| match v {
            "ru" => Some(Lang::Ru),
            "en" => Some(Lang::En),
            _ => None,
        });
    from_cookie
        .or_else(|| {
            headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_text_is_empty_in_any_language() {
        for lang in [Lang::Ru, Lang::En] {
            for (name, text) in texts(lang).entries() {
                assert!(!text.trim().is_empty(), "{lang:?}.{name} is empty");
            }
        }
    }

    #[test]
    fn placeholders_match_between_languages() {
        let ru = RU.entries();
        let en = EN.entries();
        assert_eq!(ru.len(), en.len());
        for ((name, r), (_, e)) in ru.iter().zip(en.iter()) {
            assert_eq!(
                r.contains("{n}"),
                e.contains("{n}"),
                "placeholder differs in {name}"
            );
        }
    }

    #[test]
    fn fill_and_age() {
        assert_eq!(
            fill(EN.request_received, "LL-7"),
            "Your request #LL-7 has been received"
        );
        assert_eq!(
            fill(RU.request_received, "LL-7"),
            "Ваше обращение №LL-7 принято"
        );
        assert_eq!(EN.age(30), "just now");
        assert_eq!(EN.age(5 * 60), "5 min");
        assert_eq!(EN.age(3 * 3600 + 5), "3 h");
        assert_eq!(RU.age(2 * 86400), "2 дн");
        assert_eq!(EN.ago(20), "just now");
        assert_eq!(EN.ago(300), "5 min ago");
        assert_eq!(EN.duration(40), "40 s");
        assert_eq!(EN.size(812), "812 B");
        assert_eq!(EN.size(14_540), "14.1 KB");
        assert_eq!(EN.field_error("insecure"), EN.field_insecure);
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn language_from_cookie_then_accept_language_then_russian() {
        use axum::http::{HeaderMap, HeaderValue, header};
        let mut h = HeaderMap::new();
        assert_eq!(lang_from_headers(&h), Lang::Ru);
        h.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en-US,en;q=0.9"),
        );
        assert_eq!(lang_from_headers(&h), Lang::En);
        h.insert(header::COOKIE, HeaderValue::from_static("a=b; lang=ru"));
        assert_eq!(lang_from_headers(&h), Lang::Ru);
        h.insert(header::COOKIE, HeaderValue::from_static("lang=xx"));
        assert_eq!(lang_from_headers(&h), Lang::En);
    }
}
