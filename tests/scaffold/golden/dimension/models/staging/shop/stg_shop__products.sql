with source as (

    select * from {{ source('shop', 'products') }}

),

renamed as (

    select distinct
        "Product ID" as product_id,
        "Product Name" as product_name,
        category,
        "Unit Price" as unit_price
    from source

)

select * from renamed
