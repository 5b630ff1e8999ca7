-- The state tables as the release of 2026-12-06 made them on sqlite (each class's
-- create_tables at start), for the adoption test: a frozen record, never edited.

CREATE TABLE access_grants (
	id CHAR(32) NOT NULL, 
	municipality_id CHAR(32) NOT NULL, 
	user_id CHAR(32), 
	mapping_id CHAR(32), 
	subject VARCHAR(300) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	unit_ids JSON NOT NULL, 
	asked VARCHAR(20) NOT NULL, 
	asked_by CHAR(32) NOT NULL, 
	asked_at DATETIME NOT NULL, 
	state VARCHAR(12) NOT NULL, 
	decided_by CHAR(32), 
	decided_at DATETIME, 
	reason VARCHAR(500), 
	PRIMARY KEY (id)
);

CREATE INDEX ix_access_grants_mapping_id ON access_grants (mapping_id);

CREATE INDEX ix_access_grants_municipality_id ON access_grants (municipality_id);

CREATE INDEX ix_access_grants_state ON access_grants (state);

CREATE INDEX ix_access_grants_user_id ON access_grants (user_id);

CREATE UNIQUE INDEX uq_access_grants_one_waiting ON access_grants (user_id) WHERE state = 'waiting';

CREATE TABLE access_log (
	id INTEGER NOT NULL, 
	municipality_id CHAR(32) NOT NULL, 
	flow_id CHAR(32) NOT NULL, 
	user_id CHAR(32) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	"view" VARCHAR(64) NOT NULL, 
	basis VARCHAR(16) NOT NULL, 
	at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX access_log_by_user ON access_log (user_id, at);

CREATE TABLE access_log_by_flow (
	flow_id CHAR(32) NOT NULL, 
	look_id INTEGER NOT NULL, 
	PRIMARY KEY (flow_id, look_id)
);

CREATE TABLE access_log_indexed (
	upto INTEGER NOT NULL
);

CREATE TABLE admin_audit (
	id INTEGER NOT NULL, 
	municipality_id CHAR(32) NOT NULL, 
	at DATETIME NOT NULL, 
	user_id CHAR(32) NOT NULL, 
	action VARCHAR(64) NOT NULL, 
	subject VARCHAR(300) NOT NULL, 
	details JSON NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_admin_audit_at ON admin_audit (at);

CREATE INDEX ix_admin_audit_municipality_id ON admin_audit (municipality_id);

CREATE TABLE daily_rates (
	municipality_id CHAR(32) NOT NULL, 
	year INTEGER NOT NULL, 
	rate INTEGER NOT NULL, 
	written_by CHAR(32) NOT NULL, 
	written_at DATETIME NOT NULL, 
	PRIMARY KEY (municipality_id, year)
);

CREATE TABLE display_devices (
	id CHAR(32) NOT NULL, 
	municipality_id CHAR(32) NOT NULL, 
	unit_id CHAR(32) NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	token_sha256 VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	created_by CHAR(32) NOT NULL, 
	revoked_at DATETIME, 
	PRIMARY KEY (id), 
	UNIQUE (token_sha256)
);

CREATE INDEX ix_display_devices_municipality_id ON display_devices (municipality_id);

CREATE TABLE emergency_access (
	id CHAR(32) NOT NULL, 
	municipality_id CHAR(32) NOT NULL, 
	user_id CHAR(32) NOT NULL, 
	flow_id CHAR(32) NOT NULL, 
	reason VARCHAR(16) NOT NULL, 
	note VARCHAR(2000) NOT NULL, 
	granted_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	reviewed_by CHAR(32), 
	reviewed_at DATETIME, 
	review_comment VARCHAR(500), 
	PRIMARY KEY (id)
);

CREATE INDEX emergency_access_by_municipality ON emergency_access (municipality_id, granted_at);

CREATE INDEX emergency_access_by_user ON emergency_access (user_id, expires_at);

CREATE TABLE hospital_message_contents (
	id CHAR(32) NOT NULL, 
	sealed TEXT NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE hospital_messages (
	id CHAR(32) NOT NULL, 
	municipality_id CHAR(32) NOT NULL, 
	message_id VARCHAR(200) NOT NULL, 
	received_at DATETIME NOT NULL, 
	received_by CHAR(32) NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	dispatch VARCHAR(16) NOT NULL, 
	flow_id CHAR(32), 
	status_code INTEGER NOT NULL, 
	answer JSON NOT NULL, 
	rejected BOOLEAN NOT NULL, 
	reason VARCHAR(2000), 
	patient_name VARCHAR(200), 
	national_id VARCHAR(11), 
	handled_at DATETIME, 
	handled_by CHAR(32), 
	PRIMARY KEY (id), 
	CONSTRAINT hospital_messages_once UNIQUE (municipality_id, message_id)
);

CREATE INDEX hospital_messages_attention ON hospital_messages (municipality_id, rejected, handled_at);

CREATE TABLE login_failures (
	username VARCHAR(64) NOT NULL, 
	failures INTEGER NOT NULL, 
	window_ends DATETIME NOT NULL, 
	locked_until DATETIME NOT NULL, 
	PRIMARY KEY (username)
);

CREATE TABLE oidc_attempts (
	id_sha256 VARCHAR(64) NOT NULL, 
	state VARCHAR(64) NOT NULL, 
	nonce VARCHAR(64) NOT NULL, 
	code_verifier VARCHAR(128) NOT NULL, 
	started_at DATETIME NOT NULL, 
	PRIMARY KEY (id_sha256)
);

CREATE INDEX ix_oidc_attempts_started_at ON oidc_attempts (started_at);

CREATE TABLE oidc_role_mappings (
	id CHAR(32) NOT NULL, 
	municipality_id CHAR(32) NOT NULL, 
	claim VARCHAR(100) NOT NULL, 
	value VARCHAR(200) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	unit_codes JSON NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_oidc_role_mapping UNIQUE (municipality_id, claim, value)
);

CREATE INDEX ix_oidc_role_mappings_municipality_id ON oidc_role_mappings (municipality_id);

CREATE TABLE password_setup_links (
	token_sha256 VARCHAR(64) NOT NULL, 
	user_id CHAR(32) NOT NULL, 
	created_by CHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	used_at DATETIME, 
	PRIMARY KEY (token_sha256)
);

CREATE INDEX ix_password_setup_links_user_id ON password_setup_links (user_id);

CREATE TABLE patient_keys (
	flow_id CHAR(32) NOT NULL, 
	master_key_id VARCHAR(32), 
	wrapped BLOB, 
	PRIMARY KEY (flow_id)
);

CREATE INDEX ix_patient_keys_master_key_id ON patient_keys (master_key_id);

CREATE TABLE users (
	id CHAR(32) NOT NULL, 
	municipality_id CHAR(32) NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	display_name VARCHAR(200) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	unit_ids JSON NOT NULL, 
	password_hash VARCHAR(200), 
	active BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (username)
);

CREATE INDEX ix_users_municipality_id ON users (municipality_id);

CREATE TABLE api_tokens (
	token_sha256 VARCHAR(64) NOT NULL, 
	user_id CHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (token_sha256), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);

CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE sessions (
	id_sha256 VARCHAR(64) NOT NULL, 
	user_id CHAR(32) NOT NULL, 
	csrf_token VARCHAR(64) NOT NULL, 
	started_at DATETIME NOT NULL, 
	seen_at DATETIME NOT NULL, 
	PRIMARY KEY (id_sha256), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);

CREATE INDEX ix_sessions_user_id ON sessions (user_id);
