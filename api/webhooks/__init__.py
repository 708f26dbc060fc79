"""Messaging-bot webhooks (Telegram, Feishu/Lark, DingTalk, WeCom): one adapter per platform over a shared pipeline."""
