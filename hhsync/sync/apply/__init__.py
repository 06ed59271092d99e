"""Applying a plan to Bitrix24, one module a job: enrichment, adoption, creates, updates,
activities; every write goes through the one sender, every outcome through the one recorder."""
