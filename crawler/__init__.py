"""The Scrapy project: fetch the shops' policy pages and store each fetch as a snapshot."""
