with source as (

    select * from {{ source('shop', 'products') }}

),

renamed as (

    select distinct
        {{ adapter.quote('Product ID') }} as product_id,
        {{ adapter.quote('Product Name') }} as product_name,
        {{ adapter.quote('Category') }} as category,
        {{ adapter.quote('Unit Price') }} as unit_price
    from source

)

select * from renamed
