select distinct
    product_id,
    product_name,
    category
from {{ ref('int_products__joined') }}
