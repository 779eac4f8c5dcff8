from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    PROJECT_NAME: str = "Inventory"
    API_V1_STR: str = "/api/v1"
    SECRET_KEY: str = "change-me"
    SQLALCHEMY_DATABASE_URI: str = "postgresql+psycopg://app@db/app"
    SMTP_HOST: str = "mail.local"
    EMAILS_FROM: str = "noreply@inventory.local"


settings = Settings()
