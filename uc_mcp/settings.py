"""The server's settings from flags, environment and ``.env`` (documented in ``.env.example``).

Names follow DESIGN.md §2: ``UC_MCP_*`` for the server's own behaviour here; each provider's credentials and
endpoint (``ULTRACART_*``, ...) in its own settings class (``core/provider.ProviderSettings``), read from the
same sources: ``settings.provider(provider)``. Command-line flags are passed as keyword arguments and win over
the environment, which wins over ``.env``; a flag that names a provider's field goes to that provider.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args

from pydantic import AliasChoices, BaseModel, Field, PrivateAttr, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode

from .core.errors import ConfigurationError
from .core.provider import SETTINGS_SOURCES

if TYPE_CHECKING:
    from .core.provider import Provider, ProviderSettings


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


CommaList = Annotated[list[str], NoDecode]


class Settings(BaseSettings):
    model_config = SETTINGS_SOURCES

    # Which providers run, and on what: UC_MCP_PROVIDERS lists them (a name, or name=api / name=sandbox);
    # UC_MCP_BACKEND decides for the rest (auto: the providers whose credentials are set; with none on stdio,
    # every provider on its embedded sandbox). "ultracart" is the old spelling of api for UltraCart alone.
    providers: CommaList | None = Field(None, validation_alias=_env("UC_MCP_PROVIDERS"))
    backend: Literal["auto", "api", "sandbox", "ultracart"] = Field("auto", validation_alias=_env("UC_MCP_BACKEND"))

    # Server behaviour
    read_only: bool = Field(False, validation_alias=_env("UC_MCP_READ_ONLY"))
    toolsets: CommaList | None = Field(None, validation_alias=_env("UC_MCP_TOOLSETS"))
    dynamic_toolsets: bool = Field(False, validation_alias=_env("UC_MCP_DYNAMIC_TOOLSETS"))
    max_result_tokens: int = Field(4000, ge=200, le=100_000, validation_alias=_env("UC_MCP_MAX_RESULT_TOKENS"))
    audit_log: Path | None = Field(None, validation_alias=_env("UC_MCP_AUDIT_LOG"))
    confirm_secret: SecretStr | None = Field(None, validation_alias=_env("UC_MCP_CONFIRM_SECRET"))
    confirm_fallback: Literal["token", "deny"] | None = Field(None, validation_alias=_env("UC_MCP_CONFIRM_FALLBACK"))
    max_credit: Decimal = Field(Decimal("500.00"), gt=0, decimal_places=2, validation_alias=_env("UC_MCP_MAX_CREDIT"))
    reveal_magic_links: bool = Field(False, validation_alias=_env("UC_MCP_REVEAL_MAGIC_LINKS"))
    reveal_tokens: bool = Field(False, validation_alias=_env("UC_MCP_REVEAL_TOKENS"))
    redact: CommaList = Field(default_factory=list, validation_alias=_env("UC_MCP_REDACT"))
    http_token: SecretStr | None = Field(None, validation_alias=_env("UC_MCP_HTTP_TOKEN"))
    http_tokens: SecretStr | None = Field(None, validation_alias=_env("UC_MCP_HTTP_TOKENS"))
    allowed_hosts: CommaList = Field(default_factory=list, validation_alias=_env("UC_MCP_ALLOWED_HOSTS"))
    allowed_origins: CommaList = Field(default_factory=list, validation_alias=_env("UC_MCP_ALLOWED_ORIGINS"))
    multi_tenant: bool = Field(False, validation_alias=_env("UC_MCP_MULTI_TENANT"))
    request_state_secret: SecretStr | None = Field(None, validation_alias=_env("UC_MCP_REQUEST_STATE_SECRET"))
    redis_url: SecretStr | None = Field(None, validation_alias=_env("UC_MCP_REDIS_URL"))
    export_dir: Path | None = Field(None, validation_alias=_env("UC_MCP_EXPORT_DIR"))

    # Keyword arguments that are no field here (flags naming a provider's field), and the .env file in use:
    # each provider's settings are read from the same sources with these.
    _provider_overrides: dict[str, Any] = PrivateAttr(default_factory=dict)
    _env_file: Any = PrivateAttr(default=".env")
    _providers: dict[str, ProviderSettings] = PrivateAttr(default_factory=dict)

    def __init__(self, **values: Any) -> None:
        own = {key: value for key, value in values.items() if key.startswith("_") or key in type(self).model_fields}
        super().__init__(**own)
        self._provider_overrides = {key: value for key, value in values.items() if key not in own}
        self._env_file = values.get("_env_file", ".env")

    @field_validator("toolsets", "redact", "allowed_hosts", "allowed_origins", "providers", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    def provider(self, provider: Provider) -> ProviderSettings:
        """The provider's settings from the same flags, environment and ``.env`` (read once, then kept)."""
        found = self._providers.get(provider.name)
        if found is None:
            model = provider.settings
            overrides = {key: value for key, value in self._provider_overrides.items() if key in model.model_fields}
            try:
                found = model(_env_file=self._env_file, **overrides)
            except ValidationError as error:
                raise ConfigurationError(describe_invalid(error, model)) from None
            self._providers[provider.name] = found
        return found

    def with_provider(self, provider: Provider, **changes: Any) -> Settings:
        """A copy whose ``provider`` settings carry ``changes`` (e.g. one tenant's credential)."""
        copy = self.model_copy()
        copy._providers = {**self._providers, provider.name: self.provider(provider).model_copy(update=changes)}
        return copy


def variable_name(field: str, model: type[BaseModel] | None = None) -> str:
    """The environment variable of a settings field (``read_only`` -> ``UC_MCP_READ_ONLY``)."""
    info = (model or Settings).model_fields.get(field)
    alias = info.validation_alias if info is not None else None
    if isinstance(alias, AliasChoices) and alias.choices and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return field.upper()


def _is_secret(field: str, model: type[BaseModel]) -> bool:
    info = model.model_fields.get(field)
    return info is not None and (info.annotation is SecretStr or SecretStr in get_args(info.annotation))


def _field_of(location: str, model: type[BaseModel]) -> str:
    """The field an error location names: a field name (flags) or a variable name (environment, .env)."""
    wanted = location.upper()
    for field in model.model_fields:
        if field == location or variable_name(field, model) == wanted:
            return field
    return location


_EXPECTATIONS = {
    "bool_parsing": "1 or 0 (also true/false, yes/no, on/off)",
    "bool_type": "1 or 0 (also true/false, yes/no, on/off)",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number",
    "decimal_parsing": "a number",
    "decimal_max_places": "a number with at most 2 decimal places",
}


def describe_invalid(error: ValidationError, model: type[BaseModel] | None = None) -> str:
    """One line for settings that failed validation: each variable, its value (never a secret's) and
    what is allowed. Pydantic's own text spans several lines and repeats secret values."""
    model = model or Settings
    problems = []
    for item in error.errors(include_url=False):
        location = ".".join(str(part) for part in item["loc"]) or "settings"
        field = _field_of(location, model)
        name = variable_name(field, model)
        value = "(value not shown)" if _is_secret(field, model) else repr(_shorten(item.get("input")))
        problems.append(f"{name}={value} is not valid: expected {_expected(item)}")
    return "; ".join(problems) + "."


_BOUNDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}


def _expected(item: Any) -> str:
    kind, context = item["type"], item.get("ctx") or {}
    if kind in _EXPECTATIONS:
        return _EXPECTATIONS[kind]
    if kind == "literal_error":
        return "one of " + str(context.get("expected", ""))
    if kind in _BOUNDS:
        key, words = _BOUNDS[kind]
        return f"a number {words} {context.get(key)}"
    return _lower_first(str(item["msg"]))


def _shorten(value: object) -> object:
    if isinstance(value, str) and len(value) > 80:
        return value[:77] + "..."
    return value


def _lower_first(text: str) -> str:
    text = text.removeprefix("Input should be ").removeprefix("Value should be ").removeprefix("Value error, ")
    return text[:1].lower() + text[1:]


def load_settings(**overrides: Any) -> Settings:
    """The settings from flags (``overrides``), environment and ``.env``, every registered provider's
    included; values that cannot be read are one ``ConfigurationError`` line naming each variable, its value
    (never a secret's) and what is allowed."""
    from .providers import all_providers

    problems: list[str] = []
    settings: Settings | None = None
    try:
        settings = Settings(**overrides)
    except ValidationError as error:
        problems.append(describe_invalid(error))
    env_file = overrides.get("_env_file", ".env")
    for provider in all_providers():  # read now: a provider's bad setting is found at start-up
        model = provider.settings
        own = {key: value for key, value in overrides.items() if key in model.model_fields}
        try:
            found = model(_env_file=env_file, **own)
        except ValidationError as error:
            problems.append(describe_invalid(error, model))
            continue
        if settings is not None:
            settings._providers[provider.name] = found
    if problems or settings is None:
        raise ConfigurationError("; ".join(problem.rstrip(".") for problem in problems) + ".")
    return settings
