with source as (

    select * from {{ source('shop', 'customers') }}

),

renamed as (

    select distinct
        customer_id,
        firstname as first_name,
        lastname as last_name,
        cast("Signed Up On" as date) as signed_up_on
    from source

)

select * from renamed
