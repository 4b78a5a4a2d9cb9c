"""Cross-cutting web concerns: errors, templates, security headers, logging, proxies."""
