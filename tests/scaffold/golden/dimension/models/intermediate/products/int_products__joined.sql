with products as (

    select * from {{ ref('stg_shop__products') }}

)

select
    products.product_id,
    products.product_name,
    products.category
from products
