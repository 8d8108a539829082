"""Scripts that drive one third-party client each; they run under ``.venv-peers/bin/python``
(the clients' own dependencies), never in the package's venv."""
