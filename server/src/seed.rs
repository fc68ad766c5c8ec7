//! First-run seeding: the first admin (credentials from configuration, or a generated
//! password printed once), and on request a demo organisation — groups, agents and a few
//! tickets created through the same services real intake uses — so a newcomer sees a living
//! helpdesk at once. Both steps only act on an empty database, so restarts change nothing.
//! The default rules ([`lossless::rules::defaults`]) are installed once per database
//! ([`install_default_rules`]), also on databases that existed before rules did.

use crate::StartError;
use crate::config::Config;
use lossless::actor::{Actor, Role};
use lossless::ids::{EmailAddress, Lang};
use lossless::intake::RawRequest;
use lossless::ports::StoreError;
use lossless::services::{self, Ports, TicketChange};
use lossless::team::{Agent, NewAgent};
use lossless::ticket::{Channel, Priority, Status};

/// Password of the demo agents (printed at start-up when the demo is seeded).
pub const DEMO_PASSWORD: &str = "demo-password";

fn seed_err(e: impl std::fmt::Display) -> StartError {
    StartError::Seed(e.to_string())
}

async fn hash(pw: &str) -> Result<String, StartError> {
    let pw = pw.to_owned();
    tokio::task::spawn_blocking(move || lossless_app::ssr::hash_password(&pw))
        .await
        .map_err(seed_err)?
        .map_err(seed_err)
}

async fn add_agent(
    p: &Ports,
    email: &str,
    name: &str,
    role: Role,
    lang: Lang,
    pw: &str,
) -> Result<Agent, StartError> {
    let email = EmailAddress::parse(email).map_err(seed_err)?;
    let password_hash = hash(pw).await?;
    Ok(p.store
        .create_agent(NewAgent {
            email,
            name: name.to_owned(),
            role,
            lang,
            password_hash,
        })
        .await?)
}

/// Creates the first admin when there are no agents yet.
#[allow(clippy::print_stdout)]
pub async fn ensure_admin(p: &Ports, cfg: &Config) -> Result<(), StartError> {
    if !p.store.agents().await?.is_empty() {
        return Ok(());
    }
    let (pw, generated) = match &cfg.admin_password {
        Some(pw) => (pw.clone(), false),
        None => (crate::random_hex(12), true),
    };
    match add_agent(
        p,
        &cfg.admin_email,
        "Administrator",
        Role::Admin,
        Lang::Ru,
        &pw,
    )
    .await
    {
        Ok(_) | Err(StartError::Store(StoreError::Duplicate(_))) => {}
        Err(e) => return Err(e),
    }
    if generated {
        // Printed once, on the first start only; the hash is all that is stored.
        println!(
            "\n  First admin: {}  password: {pw}\n  (set LOSSLESS_ADMIN_PASSWORD to choose it)\n",
            cfg.admin_email
        );
    }
    Ok(())
}

/// Seeds the demo organisation into a database without tickets.
#[allow(clippy::print_stdout)]
pub async fn demo(p: &Ports) -> Result<(), StartError> {
    if p.store.ticket_count().await? > 0 {
        return Ok(());
    }
    let support = p.store.create_group("Поддержка").await?;
    let sales = p.store.create_group("Продажи").await?;
    let anna = add_agent(
        p,
        "anna@demo.lossless.local",
        "Анна Смирнова",
        Role::Agent,
        Lang::Ru,
        DEMO_PASSWORD,
    )
    .await?;
    let boris = add_agent(
        p,
        "boris@demo.lossless.local",
        "Борис Петров",
        Role::Agent,
        Lang::Ru,
        DEMO_PASSWORD,
    )
    .await?;
    let maria = add_agent(
        p,
        "maria@demo.lossless.local",
        "Maria Ivanova",
        Role::Manager,
        Lang::En,
        DEMO_PASSWORD,
    )
    .await?;
    for (g, a) in [
        (support.id, anna.id),
        (support.id, boris.id),
        (sales.id, maria.id),
        (support.id, maria.id),
    ] {
        p.store.add_group_member(g, a).await?;
    }
    let requests = [
        (
            "Ольга Кузнецова",
            "olga@example.ru",
            "Срочно: не проходит оплата картой",
            "Пытаюсь оплатить заказ №5521, карта отклоняется. Срочно, сегодня последний день акции!",
            Priority::Urgent,
            Some((support.id, anna.id)),
        ),
        (
            "Дмитрий Орлов",
            "d.orlov@example.ru",
            "Хочу купить 20 лицензий",
            "Добрый день! Интересует покупка 20 лицензий для отдела. Есть ли скидка?",
            Priority::High,
            Some((sales.id, maria.id)),
        ),
        (
            "John Carter",
            "john@example.com",
            "Cannot reset my password",
            "The reset link in the email says it has expired, even right after I request it.",
            Priority::Normal,
            None,
        ),
        (
            "Елена Соколова",
            "elena@example.ru",
            "Вопрос по доставке",
            "Подскажите, доставляете ли вы в Казань и сколько это стоит?",
            Priority::Low,
            None,
        ),
        (
            "Игорь Волков",
            "igor@example.ru",
            "Проблема с личным кабинетом",
            "После обновления не открывается раздел «Документы».",
            Priority::Normal,
            Some((support.id, boris.id)),
        ),
    ];
    for (i, (name, email, subject, message, priority, owner)) in requests.into_iter().enumerate() {
        let raw = RawRequest {
            name: name.into(),
            email: email.into(),
            subject: subject.into(),
            message: message.into(),
            priority: priority.as_str().into(),
            ..Default::default()
        };
        let channel = if i % 2 == 0 {
            Channel::WebForm
        } else {
            Channel::Api
        };
        let valid = raw
            .validate(channel, Lang::Ru)
            .map_err(|e| seed_err(format!("{e:?}")))?;
        let created = services::submit_request(p, valid, None, crate::http::new_portal_token())
            .await
            .map_err(seed_err)?;
        if let Some((group, agent)) = owner {
            let actor = Actor::Agent {
                id: agent,
                role: Role::Agent,
            };
            let change = TicketChange {
                group: Some(Some(group)),
                assignee: Some(Some(agent)),
                ..Default::default()
            };
            let t = services::change_ticket(
                p,
                &actor,
                created.ticket.id,
                created.ticket.version,
                &change,
            )
            .await
            .map_err(seed_err)?;
            if i == 4 {
                let t = services::reply(
                    p,
                    &actor,
                    t.id,
                    t.version,
                    "Здравствуйте! Уже проверяем, вернёмся с ответом сегодня.",
                )
                .await
                .map_err(seed_err)?;
                let change = TicketChange {
                    status: Some(Status::Pending),
                    ..Default::default()
                };
                services::change_ticket(p, &actor, t.id, t.version, &change)
                    .await
                    .map_err(seed_err)?;
            }
        }
    }
    println!(
        "\n  Demo agents (password {DEMO_PASSWORD}): {}, {}, {}\n",
        anna.email, boris.email, maria.email
    );
    Ok(())
}

/// Installs the default rules (and the "English" group they route to) once per database:
/// the node that first claims the setting [`defaults::SETTING_KEY`] installs them, every
/// other node and every restart skips. After that they are ordinary rules that managers edit
/// or delete (a deleted default rule never comes back).
pub async fn install_default_rules(p: &Ports) -> Result<(), StartError> {
    use lossless::rules::defaults;
    let claim = format!("installing:{}", crate::random_hex(8));
    let value = p
        .store
        .setting_or_init(defaults::SETTING_KEY, &claim)
        .await?;
    if value != claim {
        return Ok(());
    }
    let english = match find_group(p, defaults::ENGLISH_GROUP).await? {
        Some(g) => g,
        None => match p.store.create_group(defaults::ENGLISH_GROUP).await {
            Ok(g) => g,
            Err(StoreError::Duplicate(_)) => find_group(p, defaults::ENGLISH_GROUP)
                .await?
                .ok_or_else(|| seed_err("the English group vanished"))?,
            Err(e) => return Err(e.into()),
        },
    };
    let now = lossless::ports::to_micros(p.clock.now());
    for draft in defaults::default_rules(english.id) {
        p.store.save_rule(None, draft, now).await?;
    }
    p.store
        .put_setting(defaults::SETTING_KEY, "installed")
        .await?;
    Ok(())
}

async fn find_group(p: &Ports, name: &str) -> Result<Option<lossless::team::Group>, StartError> {
    Ok(p.store.groups().await?.into_iter().find(|g| g.name == name))
}
