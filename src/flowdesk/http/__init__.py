"""What the API and the web pages share about a request, below both: who is calling
(`deps`), the session cookie and the CSRF token, and the one mapping of errors to responses
(`errors`). It imports neither edge; `flowdesk.app` composes them."""
