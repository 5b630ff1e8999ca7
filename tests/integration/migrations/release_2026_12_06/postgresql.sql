-- The state tables as the release of 2026-12-06 made them on postgresql (each class's
-- create_tables at start), for the adoption test: a frozen record, never edited.

CREATE TABLE access_grants (
	id UUID NOT NULL, 
	municipality_id UUID NOT NULL, 
	user_id UUID, 
	mapping_id UUID, 
	subject VARCHAR(300) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	unit_ids JSON NOT NULL, 
	asked VARCHAR(20) NOT NULL, 
	asked_by UUID NOT NULL, 
	asked_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	state VARCHAR(12) NOT NULL, 
	decided_by UUID, 
	decided_at TIMESTAMP WITH TIME ZONE, 
	reason VARCHAR(500), 
	PRIMARY KEY (id)
);

CREATE INDEX ix_access_grants_mapping_id ON access_grants (mapping_id);

CREATE INDEX ix_access_grants_municipality_id ON access_grants (municipality_id);

CREATE INDEX ix_access_grants_state ON access_grants (state);

CREATE INDEX ix_access_grants_user_id ON access_grants (user_id);

CREATE UNIQUE INDEX uq_access_grants_one_waiting ON access_grants (user_id) WHERE state = 'waiting';

CREATE TABLE access_log (
	id SERIAL NOT NULL, 
	municipality_id UUID NOT NULL, 
	flow_id UUID NOT NULL, 
	user_id UUID NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	view VARCHAR(64) NOT NULL, 
	basis VARCHAR(16) NOT NULL, 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX access_log_by_user ON access_log (user_id, at);

CREATE TABLE access_log_by_flow (
	flow_id UUID NOT NULL, 
	look_id INTEGER NOT NULL, 
	PRIMARY KEY (flow_id, look_id)
);

CREATE TABLE access_log_indexed (
	upto INTEGER NOT NULL
);

CREATE TABLE admin_audit (
	id SERIAL NOT NULL, 
	municipality_id UUID NOT NULL, 
	at TIMESTAMP WITH TIME ZONE NOT NULL, 
	user_id UUID NOT NULL, 
	action VARCHAR(64) NOT NULL, 
	subject VARCHAR(300) NOT NULL, 
	details JSON NOT NULL, 
	PRIMARY KEY (id)
);

CREATE INDEX ix_admin_audit_at ON admin_audit (at);

CREATE INDEX ix_admin_audit_municipality_id ON admin_audit (municipality_id);

CREATE TABLE daily_rates (
	municipality_id UUID NOT NULL, 
	year INTEGER NOT NULL, 
	rate INTEGER NOT NULL, 
	written_by UUID NOT NULL, 
	written_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (municipality_id, year)
);

CREATE TABLE display_devices (
	id UUID NOT NULL, 
	municipality_id UUID NOT NULL, 
	unit_id UUID NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	token_sha256 VARCHAR(64) NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	created_by UUID NOT NULL, 
	revoked_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (id), 
	UNIQUE (token_sha256)
);

CREATE INDEX ix_display_devices_municipality_id ON display_devices (municipality_id);

CREATE TABLE emergency_access (
	id UUID NOT NULL, 
	municipality_id UUID NOT NULL, 
	user_id UUID NOT NULL, 
	flow_id UUID NOT NULL, 
	reason VARCHAR(16) NOT NULL, 
	note VARCHAR(2000) NOT NULL, 
	granted_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	expires_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	reviewed_by UUID, 
	reviewed_at TIMESTAMP WITH TIME ZONE, 
	review_comment VARCHAR(500), 
	PRIMARY KEY (id)
);

CREATE INDEX emergency_access_by_municipality ON emergency_access (municipality_id, granted_at);

CREATE INDEX emergency_access_by_user ON emergency_access (user_id, expires_at);

CREATE TABLE hospital_message_contents (
	id UUID NOT NULL, 
	sealed TEXT NOT NULL, 
	PRIMARY KEY (id)
);

CREATE TABLE hospital_messages (
	id UUID NOT NULL, 
	municipality_id UUID NOT NULL, 
	message_id VARCHAR(200) NOT NULL, 
	received_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	received_by UUID NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	dispatch VARCHAR(16) NOT NULL, 
	flow_id UUID, 
	status_code INTEGER NOT NULL, 
	answer JSON NOT NULL, 
	rejected BOOLEAN NOT NULL, 
	reason VARCHAR(2000), 
	patient_name VARCHAR(200), 
	national_id VARCHAR(11), 
	handled_at TIMESTAMP WITH TIME ZONE, 
	handled_by UUID, 
	PRIMARY KEY (id), 
	CONSTRAINT hospital_messages_once UNIQUE (municipality_id, message_id)
);

CREATE INDEX hospital_messages_attention ON hospital_messages (municipality_id, rejected, handled_at);

CREATE TABLE login_failures (
	username VARCHAR(64) NOT NULL, 
	failures INTEGER NOT NULL, 
	window_ends TIMESTAMP WITH TIME ZONE NOT NULL, 
	locked_until TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (username)
);

CREATE TABLE oidc_attempts (
	id_sha256 VARCHAR(64) NOT NULL, 
	state VARCHAR(64) NOT NULL, 
	nonce VARCHAR(64) NOT NULL, 
	code_verifier VARCHAR(128) NOT NULL, 
	started_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id_sha256)
);

CREATE INDEX ix_oidc_attempts_started_at ON oidc_attempts (started_at);

CREATE TABLE oidc_role_mappings (
	id UUID NOT NULL, 
	municipality_id UUID NOT NULL, 
	claim VARCHAR(100) NOT NULL, 
	value VARCHAR(200) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	unit_codes JSON NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_oidc_role_mapping UNIQUE (municipality_id, claim, value)
);

CREATE INDEX ix_oidc_role_mappings_municipality_id ON oidc_role_mappings (municipality_id);

CREATE TABLE password_setup_links (
	token_sha256 VARCHAR(64) NOT NULL, 
	user_id UUID NOT NULL, 
	created_by UUID NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	expires_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	used_at TIMESTAMP WITH TIME ZONE, 
	PRIMARY KEY (token_sha256)
);

CREATE INDEX ix_password_setup_links_user_id ON password_setup_links (user_id);

CREATE TABLE patient_keys (
	flow_id UUID NOT NULL, 
	master_key_id VARCHAR(32), 
	wrapped BYTEA, 
	PRIMARY KEY (flow_id)
);

CREATE INDEX ix_patient_keys_master_key_id ON patient_keys (master_key_id);

CREATE TABLE users (
	id UUID NOT NULL, 
	municipality_id UUID NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	display_name VARCHAR(200) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	unit_ids JSON NOT NULL, 
	password_hash VARCHAR(200), 
	active BOOLEAN NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (username)
);

CREATE INDEX ix_users_municipality_id ON users (municipality_id);

CREATE TABLE api_tokens (
	token_sha256 VARCHAR(64) NOT NULL, 
	user_id UUID NOT NULL, 
	created_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (token_sha256), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);

CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id);

CREATE TABLE sessions (
	id_sha256 VARCHAR(64) NOT NULL, 
	user_id UUID NOT NULL, 
	csrf_token VARCHAR(64) NOT NULL, 
	started_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	seen_at TIMESTAMP WITH TIME ZONE NOT NULL, 
	PRIMARY KEY (id_sha256), 
	FOREIGN KEY(user_id) REFERENCES users (id)
);

CREATE INDEX ix_sessions_user_id ON sessions (user_id);
