"""Contains all the data models used in inputs/outputs"""

from .admin_list_users_sort import AdminListUsersSort
from .api_key_create import ApiKeyCreate
from .api_key_created import ApiKeyCreated
from .api_key_links import ApiKeyLinks
from .api_key_out import ApiKeyOut
from .author_links import AuthorLinks
from .author_out import AuthorOut
from .collection_api_key_out import CollectionApiKeyOut
from .collection_task_out import CollectionTaskOut
from .collection_user_out import CollectionUserOut
from .error_out import ErrorOut
from .error_out_errors_type_0 import ErrorOutErrorsType0
from .keyset_collection_post_out import KeysetCollectionPostOut
from .keyset_links import KeysetLinks
from .keyset_meta import KeysetMeta
from .legacy_result import LegacyResult
from .legacy_task import LegacyTask
from .legacy_task_list import LegacyTaskList
from .legacy_task_one import LegacyTaskOne
from .list_posts_sort import ListPostsSort
from .list_tasks_done import ListTasksDone
from .list_tasks_sort import ListTasksSort
from .list_users_sort import ListUsersSort
from .listing_post_out import ListingPostOut
from .login_request import LoginRequest
from .logout_request import LogoutRequest
from .page_links import PageLinks
from .page_meta import PageMeta
from .post_create import PostCreate
from .post_links import PostLinks
from .post_out import PostOut
from .post_update import PostUpdate
from .refresh_request import RefreshRequest
from .task_create import TaskCreate
from .task_links import TaskLinks
from .task_out import TaskOut
from .task_update import TaskUpdate
from .token_out import TokenOut
from .token_pair_out import TokenPairOut
from .user_create import UserCreate
from .user_links import UserLinks
from .user_out import UserOut
from .user_out_role_type_0 import UserOutRoleType0
from .user_update import UserUpdate
from .user_update_role import UserUpdateRole

__all__ = (
    "AdminListUsersSort",
    "ApiKeyCreate",
    "ApiKeyCreated",
    "ApiKeyLinks",
    "ApiKeyOut",
    "AuthorLinks",
    "AuthorOut",
    "CollectionApiKeyOut",
    "CollectionTaskOut",
    "CollectionUserOut",
    "ErrorOut",
    "ErrorOutErrorsType0",
    "KeysetCollectionPostOut",
    "KeysetLinks",
    "KeysetMeta",
    "LegacyResult",
    "LegacyTask",
    "LegacyTaskList",
    "LegacyTaskOne",
    "ListingPostOut",
    "ListPostsSort",
    "ListTasksDone",
    "ListTasksSort",
    "ListUsersSort",
    "LoginRequest",
    "LogoutRequest",
    "PageLinks",
    "PageMeta",
    "PostCreate",
    "PostLinks",
    "PostOut",
    "PostUpdate",
    "RefreshRequest",
    "TaskCreate",
    "TaskLinks",
    "TaskOut",
    "TaskUpdate",
    "TokenOut",
    "TokenPairOut",
    "UserCreate",
    "UserLinks",
    "UserOut",
    "UserOutRoleType0",
    "UserUpdate",
    "UserUpdateRole",
)
