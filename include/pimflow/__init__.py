"""pimflow: keep Shopware 6 and CS-Cart shops in step with an Akeneo PIM, as Airflow DAGs."""

__version__ = "0.1.0"
