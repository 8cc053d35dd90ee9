"""Constants of the Daly Smart BMS integration."""

from __future__ import annotations

from enum import StrEnum
from typing import Final

DOMAIN: Final = "daly_bms"

CONF_POLL_INTERVAL: Final = "poll_interval"
CONF_CONNECTION_MODE: Final = "connection_mode"
# For firmware that reports discharging as positive current (the protocol says charging is).
CONF_INVERT_CURRENT: Final = "invert_current"
# Entry data: the dialect the unit last answered in, asked first on the next start.
CONF_DIALECT: Final = "dialect"


class ConnectionMode(StrEnum):
    """How the integration holds the unit's single Bluetooth connection."""

    PERSISTENT = "persistent"
    PER_POLL = "per_poll"


DEFAULT_POLL_INTERVAL: Final = 10
MIN_POLL_INTERVAL: Final = 2
MAX_POLL_INTERVAL: Final = 3600
DEFAULT_CONNECTION_MODE: Final = ConnectionMode.PERSISTENT
DEFAULT_INVERT_CURRENT: Final = False

# The factory sleep time of the manuals (seconds): what "Never sleep" switched off restores
# when the unit's own earlier sleep time is not known or shorter than may be set.
DEFAULT_SLEEP_TIME: Final = 3600

# Settings change only when someone edits them in the phone app, so they are re-read
# now and then rather than on every poll.
SETTINGS_EVERY_POLLS: Final = 10

# While the unit does not answer, polls are spaced out up to this many seconds so a
# sleeping unit or a busy proxy is not hammered with connection attempts.
MAX_BACKOFF_SECONDS: Final = 300

# establish_connection retries inside one poll; the coordinator's own schedule retries
# across polls, so a few attempts are enough.
CONNECT_ATTEMPTS: Final = 3

# While Home Assistant starts it waits for every entry's setup: a unit that has not given
# its first reading within this many seconds (asleep, out of reach, no slot) gives way and
# is set up in the background once Home Assistant runs. An awake unit needs 1-3 s.
STARTUP_BUDGET: Final = 8.0

# A battery bank is a config entry of its own, marked in its data; its choices are options.
CONF_KIND: Final = "kind"
KIND_BANK: Final = "bank"
CONF_MEMBERS: Final = "members"
CONF_SUM_AVAILABLE: Final = "sum_available"
CONF_PARALLEL_LIMIT: Final = "parallel_limit"
DEFAULT_BANK_NAME: Final = "Battery bank"
MIN_BANK_MEMBERS: Final = 2
