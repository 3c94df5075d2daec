"""A client library for accessing Twilio Stream resource"""

from .client import AuthenticatedClient, Client, TwilioClient
from .errors import ClientError, UnexpectedStatus, UnparseableResponse

__all__ = (
    "AuthenticatedClient",
    "Client",
    "ClientError",
    "TwilioClient",
    "UnexpectedStatus",
    "UnparseableResponse",
)
