"""The errors policywatch raises on purpose.

    PolicywatchError
    ├── ConfigError       a config file is wrong (exit 2)
    ├── UsageError        a command's arguments are wrong: unknown shop, bad date (exit 2)
    ├── KnowledgeError    a knowledge data file under monitor/knowledge/ is wrong
    ├── NormalizeError    a snapshot cannot be turned into a document
    └── NotifyError       a notification target cannot be used

Storage failures are ``storage.errors.StorageError`` (storage imports nothing of ours).
Every message is one line naming the file, key, shop, URL or version involved.
"""


class PolicywatchError(Exception):
    """Base of the errors policywatch raises on purpose."""


class ConfigError(PolicywatchError):
    """The configuration is invalid."""


class UsageError(PolicywatchError):
    """A command was called with arguments that cannot work."""


class KnowledgeError(PolicywatchError):
    """A knowledge file (vendors, phrases) is invalid."""


class NormalizeError(PolicywatchError):
    """A snapshot cannot be normalized into a document."""


class NotifyError(PolicywatchError):
    """A notification target is unusable."""
