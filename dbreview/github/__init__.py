"""The GitHub App: moving data between GitHub and the review, nothing more.

    events         webhook event → job (pull_request, check_run, issue_comment)
    pull_review    check run in progress → mirror → review → sticky comment → check completed
    comment_commands  `/dbreview …`: 👀, permission, work, reply
    snapshot       the pull request mirrored into a directory (config and history from base)
    sticky         the one review comment, and the accepted rules it stores
    client, retry  PyGithub as the App's installation, every call retried with backoff
    adapters       the only calls into the review, the renderers and the schema helpers
"""
