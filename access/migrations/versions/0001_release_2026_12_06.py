"""The state tables as the release of 2026-12-06 made them, adopted where they are.

Before migrations, each class created its tables at start ("create what is declared").
This revision creates each table that is missing and each index that is missing, and leaves
alone what is there: a database that release made gets only the version row; an empty one
gets everything; an older one gets what came since, and what the classes did once at start:

- the table of every login attempt an earlier version kept is dropped (`login_failures`
  counts them now);
- the access log's index starts at 0;
- when this creates the register of grants, every user and OIDC role mapping whose role
  waits for a leader had it in force before the register: it keeps it, recorded as approved
  now by the console (Normen's register of what a person *has had*, access/grants.py).

Moments are `DateTime(timezone=True)`, the type `access.database.UTCDateTime` stands on: the
DDL is the same, and a revision must not import the code it was written for.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

#: Roles that open patient data (access.grants.WAITING_ROLES when this was written).
_WAITING_ROLES = ("allocation", "nurse", "homecare", "leader")
#: The console, as the register names it when no admin asked (access.grant_register.CONSOLE).
_CONSOLE = uuid.UUID(int=0)

_at = sa.DateTime(timezone=True)


def _tables() -> dict[str, list[Any]]:
    """Each table's columns and constraints, in an order that creates `users` before the
    tables that refer to it."""
    return {
        "users": [
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("municipality_id", sa.Uuid(), nullable=False),
            sa.Column("username", sa.String(64), nullable=False, unique=True),
            sa.Column("display_name", sa.String(200), nullable=False),
            sa.Column("role", sa.String(20), nullable=False),
            sa.Column("unit_ids", sa.JSON(), nullable=False),
            sa.Column("password_hash", sa.String(200), nullable=True),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_at", _at, nullable=False),
        ],
        "api_tokens": [
            sa.Column("token_sha256", sa.String(64), primary_key=True),
            sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False),
            sa.Column("created_at", _at, nullable=False),
        ],
        "sessions": [
            sa.Column("id_sha256", sa.String(64), primary_key=True),
            sa.Column("user_id", sa.Uuid(), sa.ForeignKey("users.id"), nullable=False),
            sa.Column("csrf_token", sa.String(64), nullable=False),
            sa.Column("started_at", _at, nullable=False),
            sa.Column("seen_at", _at, nullable=False),
        ],
        "password_setup_links": [
            sa.Column("token_sha256", sa.String(64), primary_key=True),
            sa.Column("user_id", sa.Uuid(), nullable=False),
            sa.Column("created_by", sa.Uuid(), nullable=False),
            sa.Column("created_at", _at, nullable=False),
            sa.Column("expires_at", _at, nullable=False),
            sa.Column("used_at", _at, nullable=True),
        ],
        "login_failures": [
            sa.Column("username", sa.String(64), primary_key=True),
            sa.Column("failures", sa.Integer(), nullable=False),
            sa.Column("window_ends", _at, nullable=False),
            sa.Column("locked_until", _at, nullable=False),
        ],
        "oidc_attempts": [
            sa.Column("id_sha256", sa.String(64), primary_key=True),
            sa.Column("state", sa.String(64), nullable=False),
            sa.Column("nonce", sa.String(64), nullable=False),
            sa.Column("code_verifier", sa.String(128), nullable=False),
            sa.Column("started_at", _at, nullable=False),
        ],
        "oidc_role_mappings": [
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("municipality_id", sa.Uuid(), nullable=False),
            sa.Column("claim", sa.String(100), nullable=False),
            sa.Column("value", sa.String(200), nullable=False),
            sa.Column("role", sa.String(20), nullable=False),
            sa.Column("unit_codes", sa.JSON(), nullable=False),
            sa.Column("created_at", _at, nullable=False),
            sa.UniqueConstraint("municipality_id", "claim", "value", name="uq_oidc_role_mapping"),
        ],
        "access_grants": [
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("municipality_id", sa.Uuid(), nullable=False),
            sa.Column("user_id", sa.Uuid(), nullable=True),
            sa.Column("mapping_id", sa.Uuid(), nullable=True),
            sa.Column("subject", sa.String(300), nullable=False),
            sa.Column("role", sa.String(20), nullable=False),
            sa.Column("unit_ids", sa.JSON(), nullable=False),
            sa.Column("asked", sa.String(20), nullable=False),
            sa.Column("asked_by", sa.Uuid(), nullable=False),
            sa.Column("asked_at", _at, nullable=False),
            sa.Column("state", sa.String(12), nullable=False),
            sa.Column("decided_by", sa.Uuid(), nullable=True),
            sa.Column("decided_at", _at, nullable=True),
            sa.Column("reason", sa.String(500), nullable=True),
        ],
        "display_devices": [
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("municipality_id", sa.Uuid(), nullable=False),
            sa.Column("unit_id", sa.Uuid(), nullable=False),
            sa.Column("name", sa.String(200), nullable=False),
            sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
            sa.Column("created_at", _at, nullable=False),
            sa.Column("created_by", sa.Uuid(), nullable=False),
            sa.Column("revoked_at", _at, nullable=True),
        ],
        "daily_rates": [
            sa.Column("municipality_id", sa.Uuid(), primary_key=True),
            sa.Column("year", sa.Integer(), primary_key=True),
            sa.Column("rate", sa.Integer(), nullable=False),
            sa.Column("written_by", sa.Uuid(), nullable=False),
            sa.Column("written_at", _at, nullable=False),
        ],
        "admin_audit": [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("municipality_id", sa.Uuid(), nullable=False),
            sa.Column("at", _at, nullable=False),
            sa.Column("user_id", sa.Uuid(), nullable=False),
            sa.Column("action", sa.String(64), nullable=False),
            sa.Column("subject", sa.String(300), nullable=False),
            sa.Column("details", sa.JSON(), nullable=False),
        ],
        "patient_keys": [
            sa.Column("flow_id", sa.Uuid(), primary_key=True),
            sa.Column("master_key_id", sa.String(32), nullable=True),
            sa.Column("wrapped", sa.LargeBinary(), nullable=True),
        ],
        "emergency_access": [
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("municipality_id", sa.Uuid(), nullable=False),
            sa.Column("user_id", sa.Uuid(), nullable=False),
            sa.Column("flow_id", sa.Uuid(), nullable=False),
            sa.Column("reason", sa.String(16), nullable=False),
            sa.Column("note", sa.String(2000), nullable=False),
            sa.Column("granted_at", _at, nullable=False),
            sa.Column("expires_at", _at, nullable=False),
            sa.Column("reviewed_by", sa.Uuid(), nullable=True),
            sa.Column("reviewed_at", _at, nullable=True),
            sa.Column("review_comment", sa.String(500), nullable=True),
        ],
        "access_log": [
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("municipality_id", sa.Uuid(), nullable=False),
            sa.Column("flow_id", sa.Uuid(), nullable=False),
            sa.Column("user_id", sa.Uuid(), nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("view", sa.String(64), nullable=False),
            sa.Column("basis", sa.String(16), nullable=False),
            sa.Column("at", _at, nullable=False),
        ],
        "access_log_by_flow": [
            sa.Column("flow_id", sa.Uuid(), primary_key=True),
            sa.Column("look_id", sa.Integer(), primary_key=True),
        ],
        "access_log_indexed": [
            sa.Column("upto", sa.Integer(), nullable=False),
        ],
        "hospital_messages": [
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("municipality_id", sa.Uuid(), nullable=False),
            sa.Column("message_id", sa.String(200), nullable=False),
            sa.Column("received_at", _at, nullable=False),
            sa.Column("received_by", sa.Uuid(), nullable=False),
            sa.Column("kind", sa.String(32), nullable=False),
            sa.Column("dispatch", sa.String(16), nullable=False),
            sa.Column("flow_id", sa.Uuid(), nullable=True),
            sa.Column("status_code", sa.Integer(), nullable=False),
            sa.Column("answer", sa.JSON(), nullable=False),
            sa.Column("rejected", sa.Boolean(), nullable=False),
            sa.Column("reason", sa.String(2000), nullable=True),
            sa.Column("patient_name", sa.String(200), nullable=True),
            sa.Column("national_id", sa.String(11), nullable=True),
            sa.Column("handled_at", _at, nullable=True),
            sa.Column("handled_by", sa.Uuid(), nullable=True),
            sa.UniqueConstraint("municipality_id", "message_id", name="hospital_messages_once"),
        ],
        "hospital_message_contents": [
            sa.Column("id", sa.Uuid(), primary_key=True),
            sa.Column("sealed", sa.Text(), nullable=False),
        ],
    }


#: Each index: its name, table and columns, and whether it is unique.
_INDEXES = [
    ("ix_users_municipality_id", "users", ["municipality_id"], False),
    ("ix_api_tokens_user_id", "api_tokens", ["user_id"], False),
    ("ix_sessions_user_id", "sessions", ["user_id"], False),
    ("ix_password_setup_links_user_id", "password_setup_links", ["user_id"], False),
    ("ix_oidc_attempts_started_at", "oidc_attempts", ["started_at"], False),
    ("ix_oidc_role_mappings_municipality_id", "oidc_role_mappings", ["municipality_id"], False),
    ("ix_access_grants_municipality_id", "access_grants", ["municipality_id"], False),
    ("ix_access_grants_user_id", "access_grants", ["user_id"], False),
    ("ix_access_grants_mapping_id", "access_grants", ["mapping_id"], False),
    ("ix_access_grants_state", "access_grants", ["state"], False),
    ("ix_display_devices_municipality_id", "display_devices", ["municipality_id"], False),
    ("ix_admin_audit_municipality_id", "admin_audit", ["municipality_id"], False),
    ("ix_admin_audit_at", "admin_audit", ["at"], False),
    ("ix_patient_keys_master_key_id", "patient_keys", ["master_key_id"], False),
    ("emergency_access_by_user", "emergency_access", ["user_id", "expires_at"], False),
    (
        "emergency_access_by_municipality",
        "emergency_access",
        ["municipality_id", "granted_at"],
        False,
    ),
    ("access_log_by_user", "access_log", ["user_id", "at"], False),
    (
        "hospital_messages_attention",
        "hospital_messages",
        ["municipality_id", "rejected", "handled_at"],
        False,
    ),
]


def upgrade() -> None:
    db = op.get_bind()
    there = set(sa.inspect(db).get_table_names())
    op.execute("DROP TABLE IF EXISTS login_attempts")
    for name, items in _tables().items():
        if name not in there:
            op.create_table(name, *items)
    for name, table, columns, unique in _INDEXES:
        op.create_index(name, table, columns, unique=unique, if_not_exists=True)
    # A user has one grant waiting at most: of two admins asking at once, one is refused.
    waiting = sa.text("state = 'waiting'")
    op.create_index(
        "uq_access_grants_one_waiting",
        "access_grants",
        ["user_id"],
        unique=True,
        if_not_exists=True,
        sqlite_where=waiting,
        postgresql_where=waiting,
    )
    indexed = sa.table("access_log_indexed", sa.column("upto", sa.Integer()))
    if db.scalar(sa.select(sa.func.count()).select_from(indexed)) == 0:
        db.execute(sa.insert(indexed).values(upto=0))
    if "access_grants" not in there:
        _in_force_before(db, datetime.now(UTC))


def _in_force_before(db: sa.Connection, at: datetime) -> None:
    """Every user and OIDC role mapping whose role waits keeps it, approved by the console."""
    users = sa.table(
        "users",
        *(sa.column(n, sa.Uuid()) for n in ("id", "municipality_id")),
        *(sa.column(n) for n in ("username", "role")),
        sa.column("unit_ids", sa.JSON()),
    )
    mappings = sa.table(
        "oidc_role_mappings",
        *(sa.column(n, sa.Uuid()) for n in ("id", "municipality_id")),
        *(sa.column(n) for n in ("claim", "value", "role")),
        sa.column("unit_codes", sa.JSON()),
    )
    rows: list[dict[str, Any]] = []
    for user in db.execute(sa.select(users).where(users.c.role.in_(_WAITING_ROLES))).mappings():
        rows.append(_grant(user, user["id"], None, user["username"], user["unit_ids"], at))
    query = sa.select(mappings).where(mappings.c.role.in_(_WAITING_ROLES))
    for m in db.execute(query).mappings():
        # A unit's id follows from its municipality and code (flow.municipality.unit_id).
        places = [
            str(uuid.uuid5(m["municipality_id"], f"enhet/{code}")) for code in m["unit_codes"]
        ]
        rows.append(_grant(m, None, m["id"], f"{m['claim']} = {m['value']}", places, at))
    if rows:
        grants = sa.table(
            "access_grants",
            *(sa.column(n, sa.Uuid()) for n in ("id", "municipality_id", "user_id", "mapping_id")),
            *(sa.column(n, sa.Uuid()) for n in ("asked_by", "decided_by")),
            *(sa.column(n) for n in ("subject", "role", "asked", "state", "reason")),
            sa.column("unit_ids", sa.JSON()),
            *(sa.column(n, _at) for n in ("asked_at", "decided_at")),
        )
        db.execute(sa.insert(grants), rows)


def _grant(
    row: sa.RowMapping,
    user_id: uuid.UUID | None,
    mapping_id: uuid.UUID | None,
    subject: str,
    unit_ids: list[str],
    at: datetime,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4(),
        "municipality_id": row["municipality_id"],
        "user_id": user_id,
        "mapping_id": mapping_id,
        "subject": subject,
        "role": row["role"],
        "unit_ids": [str(uuid.UUID(u)) for u in unit_ids],
        "asked": "in_force_before",
        "asked_by": _CONSOLE,
        "asked_at": at,
        "state": "approved",
        "decided_by": _CONSOLE,
        "decided_at": at,
        "reason": None,
    }
