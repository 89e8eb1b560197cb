"""What can go wrong with orders, each with its stable code."""

from libriassist.errors import AppError, NotFound


class InvalidOrdersFile(AppError):
    """Nothing was written; ``details`` lists each bad row with its field and reason."""

    status_code = 422
    code = "invalid_orders_file"
    message = "The orders file has errors; nothing was imported."


class UnsupportedOrdersFormat(AppError):
    status_code = 415
    code = "unsupported_orders_format"
    message = (
        "Send the orders as CSV (text/csv) or JSON (application/json: an array or JSON lines), "
        "as the request body or as a multipart 'file'."
    )


class OrdersFileTooLarge(AppError):
    status_code = 413
    code = "payload_too_large"


class OrderNotFound(NotFound):
    code = "order_not_found"
    message = "No order with this number."


class OrderSourceError(AppError):
    """The shop's order API could not give a usable answer (every subclass)."""

    status_code = 502
    code = "order_source_error"


class OrderSourceUnavailable(OrderSourceError):
    status_code = 503
    code = "order_source_unavailable"
    message = "The shop's order service is not answering; try again in a moment."


class OrderSourceKeyUnreadable(OrderSourceUnavailable):
    code = "order_source_key_unreadable"
    message = (
        "The order API's secret cannot be decrypted with this server's key "
        "(LIBRIASSIST_SECRET_KEY changed?); save it again."
    )


class OrderSourceBadReply(OrderSourceError):
    code = "order_source_bad_reply"
    message = "The shop's order service answered something that is not a valid order list."


class OrderSourceRefused(OrderSourceError):
    code = "order_source_refused"
    message = "The shop's order service refused the request (check the address and secret)."


class OrderSourceHttpsRequired(AppError):
    status_code = 422
    code = "order_source_https_required"
    message = (
        "The order API's address must start with https:// (the secret and your customers' "
        "orders travel over it)."
    )


class OrderSourceAddressNotAllowed(AppError):
    status_code = 422
    code = "order_source_address_not_allowed"
    message = "The order API's address is private or local; the operator does not allow that."


class OrderSourceAddressUnresolvable(AppError):
    status_code = 422
    code = "order_source_address_unresolvable"
    message = "The order API's host name does not resolve."
