from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from libriassist.kit.text import CleanStr, HttpUrlStr

Mode = Literal["platform", "custom", "off"]


class LLMSettingsIn(BaseModel):
    """The whole setting at once (PUT). ``api_key``: left out = keep the stored one,
    null = erase it, a string = replace it."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "mode": "custom",
                    "base_url": "https://api.mistral.ai/v1",
                    "model": "mistral-small-latest",
                    "api_key": "…",
                    "temperature": 0.2,
                    "max_tokens": 400,
                    "timeout": 15,
                }
            ]
        },
    )

    mode: Mode = "platform"
    base_url: HttpUrlStr | None = Field(default=None, max_length=500)
    model: CleanStr | None = Field(default=None, min_length=1, max_length=200)
    api_key: str | None = Field(default=None, min_length=1, max_length=1000)
    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=16, le=8192)
    timeout: float | None = Field(default=None, gt=0, le=300)

    @model_validator(mode="after")
    def _custom_needs_an_endpoint(self) -> Self:
        if self.mode == "custom" and (self.base_url is None or self.model is None):
            raise ValueError("mode 'custom' needs base_url and model")
        if self.mode != "custom" and (self.base_url is not None or self.model is not None):
            raise ValueError("base_url and model are only for mode 'custom'")
        return self


class EffectiveLLM(BaseModel):
    """What the next reply will use: the tenant's model, the platform's, or none."""

    source: Literal["tenant", "platform", "none"]
    base_url: str | None
    model: str | None


class LLMSettingsOut(BaseModel):
    mode: Mode
    base_url: str | None
    model: str | None
    api_key_set: bool
    api_key_hint: str | None = Field(description="The key's last characters, to tell keys apart.")
    temperature: float | None
    max_tokens: int | None
    timeout: float | None
    effective: EffectiveLLM


class LLMTestResult(BaseModel):
    ok: bool
    model: str | None
    latency_ms: int
    reply: str | None = Field(default=None, description="The model's first words.")
    error_code: str | None = None
    error_message: str | None = None
