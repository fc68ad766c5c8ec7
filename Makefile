# Lossless: build, run and test. The logic lives in scripts/*.sh; each prints
# timed step headers. CARGO_TARGET_DIR is honoured; the site is always built
# into ./target/site.
SHELL := /bin/bash
.DEFAULT_GOAL := run

SITE_PROFILE ?= wasm-release

.PHONY: run test e2e site server release bench lint setup pg mail mail-selftest clean help

run: ## setup, build site + release server, run it with demo data on 127.0.0.1:3000
	@scripts/run.sh

test: ## everything CI runs: setup, PostgreSQL, wasm check, clippy, cargo test, site, server, Playwright
	@scripts/test.sh

e2e: ## build site (wasm-release) + debug server, run the Playwright tests (ARGS="tests/x.spec.ts")
	@scripts/e2e.sh $(ARGS)

site: ## build target/site (SITE_PROFILE=wasm-release|dev|…)
	@scripts/build-site.sh $(SITE_PROFILE)

server: ## debug build of the server
	cargo build -p lossless-server

release: site ## site + release build of the server (what make run and make bench use)
	cargo build --release -p lossless-server

bench: ## load numbers for the release server (needs make release first)
	@scripts/bench.sh

lint: ## cargo fmt --check, clippy (host and wasm) -D warnings, shellcheck
	@scripts/lint.sh

setup: ## install what is missing: rust target, wasm-bindgen-cli, npm deps, chromium
	@scripts/setup.sh all

pg: ## make sure PostgreSQL answers on 127.0.0.1:5432; prints the test URL
	@scripts/pg.sh

mail: ## Postfix (SMTP 127.0.0.1:2525 STARTTLS, 2465 TLS) + Dovecot (IMAP 127.0.0.1:1143 STARTTLS, 1993 TLS) for the tests; mail.sh stop|reset|status
	@scripts/mail.sh start

mail-selftest: mail ## start the mail servers and check them (send/receive, Cyrillic, bounce, IDLE)
	@scripts/mail-selftest.py

clean: ## cargo clean + built site and test outputs (keeps data/ and node_modules)
	cargo clean
	rm -rf target/site target/site.new target/pg-url target/logs \
		end2end/test-results end2end/artifacts end2end/playwright-report

help: ## list targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{ printf "  make %-8s %s\n", $$1, $$2 }'
