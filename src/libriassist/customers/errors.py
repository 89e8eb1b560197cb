from libriassist.errors import AppError, NotFound


class CustomerNotFound(NotFound):
    code = "customer_not_found"
    message = "No customer with this id for this tenant."


class InvalidTiers(AppError):
    status_code = 422
    code = "invalid_tiers"
    message = (
        "Tier thresholds must be whole amounts above 0, each higher than the one before: "
        "silver < gold < platinum < diamond."
    )


class InvalidCursor(AppError):
    status_code = 422
    code = "invalid_cursor"
    message = "The cursor is not one this list returned; start again without it."
