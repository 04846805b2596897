"""Spiders of the crawler (one: ``PolicySpider``)."""
