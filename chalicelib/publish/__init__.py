"""Where cocreate's news goes: events to EventBridge, demand reports to S3."""
